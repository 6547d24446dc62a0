// The labels a release's objects are found by, written once: the chart's recommended labels
// (app.kubernetes.io/...) and the labels helm puts on its release records (one Secret per
// revision, labelled owner=helm, name=<release>).

export const instanceLabel = 'app.kubernetes.io/instance';
export const componentLabel = 'app.kubernetes.io/component';
export const nameLabel = 'app.kubernetes.io/name';
export const managedByLabel = 'app.kubernetes.io/managed-by';

/** helm's label on its release-record Secrets, and its value. */
export const helmOwnerLabel = 'owner';
export const helmOwner = 'helm';

/** Every object of a release. */
export function instanceSelector(release: string): string {
  return `${instanceLabel}=${release}`;
}

/** The objects of one component (`postgresql`, `apollo`...), whatever release made them. */
export function componentSelector(component: string): string {
  return `${componentLabel}=${component}`;
}

/** helm's release records (Secrets) of one release. */
export function helmRecordsSelector(release: string): string {
  return `${helmOwnerLabel}=${helmOwner},name=${release}`;
}
