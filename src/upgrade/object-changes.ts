// Which Kubernetes objects an upgrade adds, changes or removes: the release's current manifest
// against the one the upgrade renders (server-side dry run), compared object by object.
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../tools/kube-objects.js';

export interface ObjectChanges {
  added: string[];
  changed: string[];
  removed: string[];
}

function index(manifest: string): Map<string, string> {
  const objects = new Map<string, string>();
  for (const document of parseAllDocuments(manifest)) {
    const object = document.toJS() as KubeObject | null;
    if (!object?.kind || !object.metadata?.name) continue;
    objects.set(`${object.kind}/${object.metadata.name}`, JSON.stringify(object));
  }
  return objects;
}

export function compareManifests(before: string, after: string): ObjectChanges {
  const [a, b] = [index(before), index(after)];
  const changes: ObjectChanges = { added: [], changed: [], removed: [] };
  for (const [key, object] of b) {
    if (!a.has(key)) changes.added.push(key);
    else if (a.get(key) !== object) changes.changed.push(key);
  }
  for (const key of a.keys()) if (!b.has(key)) changes.removed.push(key);
  for (const list of Object.values(changes)) list.sort();
  return changes;
}
