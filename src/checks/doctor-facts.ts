// Doctor's side of the shared checks: its context (checks/context.ts, every fact fetched once)
// seen as the CheckFacts the checks that install's preflight also runs are written over.
import type { CheckFacts, FactCheck, ServerAnswer } from './check-facts.js';
import { CannotRun, type DoctorContext } from './context.js';
import type { DoctorCheck } from './doctor-check.js';
import { featuresOfRelease } from './release-features.js';

const views = new WeakMap<DoctorContext, CheckFacts>();

export function doctorFacts(ctx: DoctorContext): CheckFacts {
  let facts = views.get(ctx);
  if (!facts) {
    facts = {
      namespace: ctx.namespace,
      plan: undefined,
      beforeInstall: ctx.options.pre,
      contextFlag: ctx.options.context,
      helm: () => ctx.helm(),
      async server(): Promise<ServerAnswer> {
        const versions = await ctx.versions().catch((error: unknown) => {
          throw new CannotRun(`skipped: ${error instanceof Error ? error.message : String(error)}`);
        });
        if (versions.server) return { version: versions.server };
        return {
          reason: versions.error ?? 'no answer within 5 s',
          where: 'the API server',
          kubeconfigMissing: false,
        };
      },
      reachable: () => ctx.reachable(),
      namespaceExists: () => ctx.namespaceExists(),
      classes: () => ctx.classes(),
      access: (questions) => ctx.access(questions),
      releaseFeatures: () => featuresOfRelease(ctx).catch(() => undefined),
    };
    views.set(ctx, facts);
  }
  return facts;
}

/** A shared check in doctor's list: run over doctor's facts; `when` as doctor selects it. */
export function forDoctor(check: FactCheck, when?: DoctorCheck['when']): DoctorCheck {
  return {
    id: check.id,
    category: check.category,
    title: check.title,
    ...(when ? { when } : {}),
    run: (ctx) => check.run(doctorFacts(ctx)),
  };
}
