// What `kubectl port-forward` prints, read: the local port it listens on, and why it stopped.

/** The local port from "Forwarding from 127.0.0.1:4200 -> 4200" (IPv4 line; IPv6 follows it). */
export function parseForwardingPort(line: string): number | undefined {
  const match = line.match(/^Forwarding from 127\.0\.0\.1:(\d+) -> \d+/);
  return match ? Number(match[1]) : undefined;
}

/**
 * The reason in kubectl's stderr, in one line: klog lines carry it inside err="..."; the final
 * "error: ..." line is the summary ("lost connection to pod"). Both are kept when they differ.
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
  if (detail && summary && !detail.includes(summary)) {
    return `${summary}: ${shortenForwardError(detail)}`;
  }
  return summary ?? (detail ? shortenForwardError(detail) : undefined);
}

/** "an error occurred forwarding 4200 -> 4200: error forwarding port ... dial tcp ...: connect: connection refused" -> the tail a person needs. */
function shortenForwardError(detail: string): string {
  const refused = detail.match(
    /(connect: connection refused|connection reset by peer|i\/o timeout|no route to host)/,
  );
  if (refused?.[1]) return refused[1];
  return detail.length > 200 ? `${detail.slice(0, 197)}...` : detail;
}

/** Failures a retry will not fix: the user or the cluster has to change something first. */
export function isPermanentForwardFailure(reason: string): boolean {
  return /not ?found|forbidden|unauthorized|unable to listen on any of the requested ports|address already in use|does not have a service port|invalid port/i.test(
    reason,
  );
}
