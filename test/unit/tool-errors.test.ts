import { describe, expect, it } from 'vitest';
import { ExitCode, UserError } from '../../src/errors.js';
import { accessOf, KubeApiError, statusFromKubectl } from '../../src/tools/kube-api.js';
import { errorPrefix, stderrReason, ToolError } from '../../src/tools/run-tool.js';
import { printError } from '../../src/ui/print-error.js';

const printed = (error: unknown, debug = false) => {
  let text = '';
  printError(error, debug, (t) => {
    text += t;
    return true;
  });
  return text;
};

describe('stderrReason', () => {
  it('is the last non-empty line, untouched without a prefix', () => {
    expect(stderrReason('W0101 warning\nError: the reason\n\n')).toBe('Error: the reason');
    expect(stderrReason('  \n')).toBeUndefined();
    expect(stderrReason('')).toBeUndefined();
  });

  it("takes off helm's and kubectl's prefixes", () => {
    expect(stderrReason('Error: UPGRADE FAILED: boom\n', errorPrefix.helm)).toBe(
      'UPGRADE FAILED: boom',
    );
    expect(stderrReason('error: unknown flag\n', errorPrefix.helm)).toBe('error: unknown flag');
    expect(
      stderrReason(
        'Error from server (Forbidden): secrets is forbidden: User "bob" cannot list\n',
        errorPrefix.kubectl,
      ),
    ).toBe('secrets is forbidden: User "bob" cannot list');
    expect(stderrReason('error: You must be logged in\n', errorPrefix.kubectl)).toBe(
      'You must be logged in',
    );
  });

  it('gives ToolError its message, as before', () => {
    const error = new ToolError('helm', ['list'], {
      stdout: '',
      stderr: 'a line\nError: Kubernetes cluster unreachable\n',
      exitCode: 1,
    });
    expect(error.message).toBe('helm failed: Kubernetes cluster unreachable');
    expect(new ToolError('helm', [], { stdout: '', stderr: '\n', exitCode: 3 }).message).toBe(
      'helm failed: exit code 3',
    );
  });
});

describe('KubeApiError', () => {
  it('is a UserError: the reason as the message, exit 1, no crash wording', () => {
    const error = new KubeApiError('secrets "db" is forbidden: User "bob" cannot get resource', {
      method: 'GET',
      path: '/api/v1/namespaces/prefect/secrets/db',
      status: 403,
    });
    expect(error).toBeInstanceOf(UserError);
    expect(error.exitCode).toBe(ExitCode.failure);
    expect(error.message).toBe('secrets "db" is forbidden: User "bob" cannot get resource');
    const text = printed(error);
    expect(text).toBe(
      'Error: secrets "db" is forbidden: User "bob" cannot get resource\n' +
        'Hint: GET /api/v1/namespaces/prefect/secrets/db answered 403 Forbidden: you need permission to get secrets in namespace prefect. Check with kubectl auth can-i get secrets -n prefect; a cluster admin can grant it (the "admin" role there: kubectl create rolebinding prefect-admin --clusterrole=admin --user=YOU -n prefect).\n',
    );
    expect(text).not.toMatch(/--debug/);
  });

  it('hints by status: no answer, unauthorized, not found', () => {
    expect(
      new KubeApiError('dial tcp 10.0.0.1:6443: connect: connection refused', {
        method: 'GET',
        path: '/version',
      }).hint,
    ).toBe(
      'GET /version got no answer. Check the cluster and your kubeconfig: kubectl cluster-info   (another context: --context NAME)',
    );
    expect(
      new KubeApiError('Unauthorized', { method: 'GET', path: '/version', status: 401 }).hint,
    ).toMatch(
      /^GET \/version answered 401 Unauthorized: the cluster did not accept your credentials/,
    );
    expect(
      new KubeApiError('not found', {
        method: 'POST',
        path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
        status: 404,
      }).hint,
    ).toMatch(/answered 404 Not Found: the object or its API is not on this cluster/);
  });

  it("reads kubectl's status words", () => {
    expect(statusFromKubectl('Error from server (Forbidden): nope')).toBe(403);
    expect(statusFromKubectl('Error from server (NotFound): x')).toBe(404);
    expect(statusFromKubectl('error: You must be logged in to the server (Unauthorized)\n')).toBe(
      401,
    );
    expect(statusFromKubectl('Unable to connect to the server: dial tcp: refused')).toBeUndefined();
  });

  it('names the access a request needs', () => {
    expect(accessOf('GET', '/api/v1/namespaces/p/secrets?labelSelector=owner%3Dhelm')).toEqual({
      verb: 'list',
      resource: 'secrets',
      namespace: 'p',
    });
    expect(accessOf('GET', '/api/v1/namespaces/p')).toEqual({
      verb: 'get',
      resource: 'namespaces',
    });
    expect(accessOf('GET', '/apis/storage.k8s.io/v1/storageclasses')).toEqual({
      verb: 'list',
      resource: 'storageclasses.storage.k8s.io',
    });
    expect(accessOf('GET', '/api/v1/namespaces/p/pods/x/log')).toEqual({
      verb: 'get',
      resource: 'pods',
      namespace: 'p',
      subresource: 'log',
    });
    expect(accessOf('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews')).toEqual({
      verb: 'create',
      resource: 'selfsubjectaccessreviews.authorization.k8s.io',
    });
    expect(accessOf('GET', '/version')).toEqual({ verb: 'get', resource: '/version' });
  });
});
