// What `kubectl port-forward` prints, read: the local port it listens on, and why it stopped.

/** The local port from "Forwarding from 127.0.0.1:4200 -> 4200" (IPv4 line; IPv6 follows it). */
export function parseForwardingPort(line: string): number | undefined {
  const match = line.match(/^Forwarding from 127\.0\.0\.1:(\d+) -> \d+/);
  return match ? Number(match[1]) : undefined;
}

/**
 * The reason in kubectl's stderr, in one line (connect, tenant and doctor all report it): klog
 * lines carry the detail inside err="..."; the final "error: ..." line is the summary ("lost
 * connection to pod"). A detail that ends in a known network failure is cut to it, after the
 * summary ("lost connection to pod: connect: connection refused"); any other detail is kubectl's
 * whole reason, kept alone, since it names the pod and port that failed.
 */
export function portForwardFailure(stderr: string): string | undefined {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  let detail: string | undefined;
  let summary: string | undefined;
  for (const line of lines) {
    const klog = line.match(/err="((?:[^"\\]|\\.)*)"/);
    if (klog?.[1]) detail = klog[1].replace(/\\"/g, '"');
    else if (/^error: /i.test(line)) summary = line.replace(/^error: /i, '');
    else if (!/^[EWI]\d{4} /.test(line) && !/^Handling connection/.test(line)) summary ??= line;
  }
  if (detail === undefined) return summary;
  const tail = networkFailure(detail);
  if (tail === undefined) return detail;
  if (summary === undefined) return tail;
  return detail.includes(summary) ? summary : `${summary}: ${tail}`;
}

/** "... dial tcp ...: connect: connection refused" -> the tail a person needs. */
function networkFailure(detail: string): string | undefined {
  return detail.match(
    /(connect: connection refused|connection reset by peer|i\/o timeout|no route to host)/,
  )?.[1];
}

/** Failures a retry will not fix: the user or the cluster has to change something first. */
export function isPermanentForwardFailure(reason: string): boolean {
  return /not ?found|forbidden|unauthorized|unable to listen on any of the requested ports|address already in use|does not have a service port|invalid port/i.test(
    reason,
  );
}
