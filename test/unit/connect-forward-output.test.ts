import { describe, expect, it } from 'vitest';
import {
  isPermanentForwardFailure,
  parseForwardingPort,
  portForwardFailure,
} from '../../src/release/forward-output.js';

describe('kubectl port-forward output', () => {
  it('reads the local port from the IPv4 line', () => {
    expect(parseForwardingPort('Forwarding from 127.0.0.1:39715 -> 4200')).toBe(39715);
    expect(parseForwardingPort('Forwarding from [::1]:39715 -> 4200')).toBeUndefined();
    expect(parseForwardingPort('Handling connection for 39715')).toBeUndefined();
  });

  it('explains a lost connection with the reason klog buried in err="..."', () => {
    const stderr = [
      'E1123 19:16:34.577401     637 portforward.go:424] "Unhandled Error" err="an error occurred forwarding 39715 -> 4200: error forwarding port 4200 to pod prefect-server-apollo-7d9f6575d5-qzbfd/exp1, uid : failed to dial 127.0.0.1:31901: dial tcp 127.0.0.1:31901: connect: connection refused"',
      'error: lost connection to pod',
      '',
    ].join('\n');
    expect(portForwardFailure(stderr)).toBe('lost connection to pod: connect: connection refused');
  });

  it('keeps kubectl’s own one-line errors', () => {
    expect(
      portForwardFailure(
        'error: unable to forward port because pod is not running. Current status=Pending\n',
      ),
    ).toBe('unable to forward port because pod is not running. Current status=Pending');
    expect(portForwardFailure('Error from server (NotFound): services "nope" not found\n')).toBe(
      'Error from server (NotFound): services "nope" not found',
    );
    expect(portForwardFailure('')).toBeUndefined();
  });

  it('tells failures a retry cannot fix from those it can', () => {
    expect(
      isPermanentForwardFailure('Error from server (NotFound): services "nope" not found'),
    ).toBe(true);
    expect(
      isPermanentForwardFailure('unable to listen on any of the requested ports: [{4200 4200}]'),
    ).toBe(true);
    expect(isPermanentForwardFailure('Error from server (Forbidden): pods "x" is forbidden')).toBe(
      true,
    );
    expect(
      isPermanentForwardFailure(
        'unable to forward port because pod is not running. Current status=Pending',
      ),
    ).toBe(false);
    expect(isPermanentForwardFailure('lost connection to pod')).toBe(false);
  });
});
