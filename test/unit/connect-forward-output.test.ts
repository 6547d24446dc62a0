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

  // connect and doctor had one parser each; the one left keeps what each one's test asserts:
  // a known network failure is cut to its tail after kubectl's summary (connect's), any other
  // detail is kept whole and alone, since it names the pod and port (doctor's).
  it('one rule for connect and doctor: a known network failure cut short, any other detail kept whole', () => {
    const klog = (detail: string) =>
      `E1123 19:32:46.803848    7755 portforward.go:424] "Unhandled Error" err="${detail}"\nerror: lost connection to pod\n`;
    expect(
      portForwardFailure(
        klog(
          'an error occurred forwarding 5432 -> 5432: read tcp 10.0.0.1:1->10.0.0.2:5432: i/o timeout',
        ),
      ),
    ).toBe('lost connection to pod: i/o timeout');
    const whole =
      'an error occurred forwarding 36693 -> 8080: error forwarding port 8080 to pod ui-1/ns, uid : no forward found for port 8080 in pod \\"ns/ui-1\\"';
    expect(portForwardFailure(klog(whole))).toBe(
      'an error occurred forwarding 36693 -> 8080: error forwarding port 8080 to pod ui-1/ns, uid : no forward found for port 8080 in pod "ns/ui-1"',
    );
    // Only a known tail and no summary: the tail alone.
    expect(
      portForwardFailure(
        'E1123 19:32:46.803848 1 portforward.go:424] "Unhandled Error" err="dial tcp 127.0.0.1:1: connect: connection refused"\n',
      ),
    ).toBe('connect: connection refused');
  });
});
