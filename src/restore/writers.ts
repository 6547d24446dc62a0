// The writers of a release's database: graphql, towel, apollo and the agent. restore scales them
// to zero before it touches the database and back afterwards. Each Deployment remembers its own
// replica count in an annotation, written in the same patch that scales it to zero, so a restore
// that is interrupted (or fails) can be resumed from the cluster alone: the annotation is the
// truth about how many replicas to give back, whatever the Deployment says now (zero).
import { componentLabel, instanceLabel } from '../release/labels.js';

export const writerComponents = ['graphql', 'towel', 'apollo', 'agent'] as const;
export type WriterComponent = (typeof writerComponents)[number];

/** Where the replica count before the restore is kept, on each writer Deployment. */
export const replicasAnnotation = 'prefect-server-install/restore-replicas';

export interface DeploymentLike {
  metadata: {
    name: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: { replicas?: number };
}

export interface Writer {
  name: string;
  component: WriterComponent;
  /** The replicas it runs with now. */
  replicas: number;
  /** The count an earlier, unfinished restore remembered; `undefined` when none did. */
  remembered: number | undefined;
}

/**
 * The component of a Deployment of the release: its component label, else (a released chart's
 * towel and agent carry no component label) the suffix of its name, `R-towel` or
 * `R-prefect-server-towel` with includeChartNameInComponents.
 */
function componentOf(d: DeploymentLike, release: string): WriterComponent | undefined {
  const label = d.metadata.labels?.[componentLabel];
  if (label !== undefined) return writerComponents.find((c) => c === label);
  return writerComponents.find(
    (c) =>
      d.metadata.name === `${release}-${c}` || d.metadata.name === `${release}-prefect-server-${c}`,
  );
}

export function rememberedOf(d: DeploymentLike): number | undefined {
  const value = d.metadata.annotations?.[replicasAnnotation];
  return value !== undefined && /^[0-9]+$/.test(value) ? Number(value) : undefined;
}

/** The writer Deployments of `release` among `deployments`, by name. */
export function writersOf(deployments: readonly DeploymentLike[], release: string): Writer[] {
  return deployments
    .filter((d) => d.metadata.labels?.[instanceLabel] === release)
    .flatMap((d) => {
      const component = componentOf(d, release);
      return component === undefined
        ? []
        : [
            {
              name: d.metadata.name,
              component,
              replicas: d.spec?.replicas ?? 1,
              remembered: rememberedOf(d),
            },
          ];
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The merge patch that stops a writer and remembers its count. A writer that already remembers
 * one (an earlier restore stopped it) keeps that count: its current zero is ours, not the user's.
 */
export function stopPatch(writer: Writer): object {
  return {
    metadata: {
      annotations: { [replicasAnnotation]: String(writer.remembered ?? writer.replicas) },
    },
    spec: { replicas: 0 },
  };
}

/** The merge patch that gives a writer back its remembered count and forgets it. */
export function startPatch(writer: Writer): object {
  return {
    metadata: { annotations: { [replicasAnnotation]: null } },
    spec: { replicas: writer.remembered ?? writer.replicas },
  };
}

/** The count a writer goes back to. */
export function countAfter(writer: Writer): number {
  return writer.remembered ?? writer.replicas;
}
