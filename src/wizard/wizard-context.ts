// What the wizard may know about the cluster and the chart to offer choices and defaults. The
// install command builds it from kubectl and helm; the wizard itself never runs a tool.
import type { ValuesEra } from '../values/values-era.js';

export interface NamedClass {
  name: string;
  isDefault: boolean;
}

/** Facts about one kube context, loaded after the user picked it. */
export interface ClusterFacts {
  namespaces: string[];
  storageClasses: NamedClass[];
  ingressClasses: NamedClass[];
}

export interface WizardContext {
  contexts: { names: string[]; current: string | undefined };
  loadFacts(context: string | undefined): Promise<ClusterFacts>;
  /** The image tags the chart installs when none is chosen. */
  chartDefaults: { serverTag: string; prefectTag: string; uiTag: string };
  /** Versions of the released chart in a repository, newest first (may reject when offline). */
  listRepoVersions(repoUrl: string): Promise<string[]>;
  /** Why an existing Secret cannot hold the database password, or undefined when it can. */
  checkExistingSecret(
    context: string | undefined,
    namespace: string,
    name: string,
    /** Which chart will read it: the key differs by era (values-era.ts). */
    era?: ValuesEra,
  ): Promise<string | undefined>;
}
