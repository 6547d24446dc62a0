// Watches every process's command line on the machine while a step runs, to prove a secret never
// appears in argv (which any user can read with `ps`).
import { readdirSync, readFileSync } from 'node:fs';

export interface SampleReport {
  samples: number;
  leaks: string[];
}

export async function sampleCommandLines<T>(
  secret: string,
  step: () => Promise<T>,
): Promise<{ result: T; report: SampleReport }> {
  const report: SampleReport = { samples: 0, leaks: [] };
  let running = true;
  const sampler = (async () => {
    while (running) {
      for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
        try {
          const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
          if (cmdline.includes(secret)) report.leaks.push(cmdline);
        } catch {}
      }
      report.samples++;
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  try {
    const result = await step();
    return { result, report };
  } finally {
    running = false;
    await sampler;
  }
}
