-- Prefect Server retention: deletes log rows, and optionally finished flow runs with everything
-- that hangs off them, older than a cutoff, in batches. This one file is run by the chart's
-- retention CronJob and by `prefect-server prune` (both through psql), so the two delete the same
-- rows by the same rule.
--
-- psql variables (all text; an empty one turns that part off):
--   logs_older_than       interval, e.g. '30 days': log rows whose "timestamp" is older
--   flow_runs_older_than  interval: finished flow runs whose end is older, with their task runs,
--                         states, logs, artifacts and any other row with a foreign key to them
--   now                   timestamptz the cutoffs count back from (default: now()); prune passes
--                         the same one to its dry run and its run so both mean the same rows
--   batch_size            rows per transaction (default 5000): a big table is never locked long
--   dry_run               true: only count what would go
--
-- Output (unaligned, one row per table): "planned|<table>|<rows>", then after a real run
-- "deleted|<table>|<rows>"; progress goes to stderr as NOTICE lines "retention: <table> <done>/<planned>".
--
-- Needs PostgreSQL 11 or newer (COMMIT inside DO), which the chart requires anyway.
\set ON_ERROR_STOP on
\set QUIET on
\if :{?logs_older_than}
\else
\set logs_older_than ''
\endif
\if :{?flow_runs_older_than}
\else
\set flow_runs_older_than ''
\endif
\if :{?now}
\else
\set now ''
\endif
\if :{?batch_size}
\else
\set batch_size 5000
\endif
\if :{?dry_run}
\else
\set dry_run false
\endif
\pset format unaligned
\pset tuples_only on
\pset pager off

-- psql does not substitute its variables inside a DO body, so they travel as session settings.
SELECT set_config('retention.logs_older_than', :'logs_older_than', false) AS a,
       set_config('retention.flow_runs_older_than', :'flow_runs_older_than', false) AS b,
       set_config('retention.now', :'now', false) AS c,
       set_config('retention.batch_size', :'batch_size', false) AS d \gset

-- What goes from each table, as one predicate per table, kept for the deleting pass so the counts
-- printed first and the rows deleted are the same by construction.
CREATE TEMP TABLE retention_plan (position int, tbl text, predicate text, planned bigint, deleted bigint DEFAULT 0);

DO $plan$
DECLARE
  base timestamptz := COALESCE(NULLIF(current_setting('retention.now'), '')::timestamptz, now());
  logs_age interval := NULLIF(current_setting('retention.logs_older_than'), '')::interval;
  runs_age interval := NULLIF(current_setting('retention.flow_runs_older_than'), '')::interval;
  -- Prefect Server's own list of finished states: the ones its state trigger sets end_time for
  -- (migration 2021-03-16 "improve run triggers"). A run in any other state is kept.
  doomed_runs text;
  doomed_tasks text;
  rec record;
  parts text[];
  n bigint;
  pos int := 0;
BEGIN
  IF logs_age IS NOT NULL AND logs_age <= interval '0' THEN
    RAISE EXCEPTION 'logs_older_than must be longer than zero, got %', logs_age;
  END IF;
  IF runs_age IS NOT NULL AND runs_age <= interval '0' THEN
    RAISE EXCEPTION 'flow_runs_older_than must be longer than zero, got %', runs_age;
  END IF;
  IF runs_age IS NOT NULL THEN
    doomed_runs := format(
      'SELECT id FROM public.flow_run WHERE state IN (''Success'', ''Failed'', ''Cached'', ''TimedOut'', ''Looped'', ''Cancelled'') AND COALESCE(end_time, state_timestamp, created) < %L::timestamptz',
      base - runs_age);
    doomed_tasks := format('SELECT id FROM public.task_run WHERE flow_run_id IN (%s)', doomed_runs);
  END IF;

  -- Every table with a one-column foreign key to flow_run or task_run (log, flow_run_state,
  -- task_run, task_run_state, task_run_artifact in Prefect Server's migrations), read from the
  -- catalog so a table a later migration adds is not left with orphans either. Tables first, the
  -- runs they point at last: task_run before flow_run.
  FOR rec IN
    SELECT r.relname::text AS tbl,
           array_agg(format('%I IN (%s)', a.attname,
                            CASE WHEN c.confrelid = 'public.flow_run'::regclass THEN doomed_runs ELSE doomed_tasks END)) AS preds
    FROM pg_constraint c
    JOIN pg_class r ON r.oid = c.conrelid AND r.relnamespace = 'public'::regnamespace
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
    WHERE c.contype = 'f' AND array_length(c.conkey, 1) = 1
      AND c.confrelid IN ('public.flow_run'::regclass, 'public.task_run'::regclass)
      AND runs_age IS NOT NULL
    GROUP BY c.conrelid, r.relname
    ORDER BY c.conrelid = 'public.task_run'::regclass, r.relname
  LOOP
    parts := rec.preds;
    IF rec.tbl = 'log' AND logs_age IS NOT NULL THEN
      parts := parts || format('"timestamp" < %L::timestamptz', base - logs_age);
    END IF;
    pos := pos + 1;
    INSERT INTO retention_plan (position, tbl, predicate) VALUES (pos, rec.tbl, array_to_string(parts, ' OR '));
  END LOOP;
  IF NOT EXISTS (SELECT 1 FROM retention_plan WHERE tbl = 'log') AND logs_age IS NOT NULL THEN
    INSERT INTO retention_plan (position, tbl, predicate)
    VALUES (0, 'log', format('"timestamp" < %L::timestamptz', base - logs_age));
  END IF;
  IF runs_age IS NOT NULL THEN
    INSERT INTO retention_plan (position, tbl, predicate) VALUES (pos + 1, 'flow_run', format('id IN (%s)', doomed_runs));
  END IF;

  FOR rec IN SELECT tbl, predicate FROM retention_plan LOOP
    EXECUTE format('SELECT count(*) FROM public.%I WHERE %s', rec.tbl, rec.predicate) INTO n;
    UPDATE retention_plan SET planned = n WHERE tbl = rec.tbl;
  END LOOP;
END
$plan$;

SELECT 'planned', tbl, planned FROM retention_plan ORDER BY position;

\if :dry_run
\quit
\endif

-- One batch per transaction (COMMIT inside DO, PostgreSQL 11+), so a big table is never locked
-- long and a stopped run keeps what it finished. log has no index on "timestamp", so a batch
-- cannot find its rows by index:
-- - PostgreSQL 14+ (TID range scans): each batch takes the next range of heap pages, sized to
--   hold about batch_size rows, so every table is read once from start to end, and the walk stops
--   once the planned rows are gone;
-- - before 14: each batch takes the first batch_size matching rows by ctid (a scan from the
--   start that skips the rows earlier batches deleted until vacuum clears them: slower on a large
--   table, still correct).
DO $delete$
DECLARE
  size int := current_setting('retention.batch_size')::int;
  ranges boolean := current_setting('server_version_num')::int >= 140000;
  tables text[];
  preds text[];
  planned bigint[];
  i int;
  n bigint;
  done bigint;
  pages bigint;
  step bigint;
  page bigint;
BEGIN
  IF size < 1 THEN
    RAISE EXCEPTION 'batch_size must be at least 1, got %', size;
  END IF;
  SELECT array_agg(tbl ORDER BY position), array_agg(predicate ORDER BY position), array_agg(p.planned ORDER BY position)
    INTO tables, preds, planned FROM retention_plan p;
  FOR i IN 1 .. COALESCE(array_length(tables, 1), 0) LOOP
    done := 0;
    IF planned[i] > 0 AND ranges THEN
      pages := pg_relation_size(format('public.%I', tables[i])::regclass) / current_setting('block_size')::int;
      -- Rows per page from the planner's statistics (none yet: a guess of 50).
      SELECT CASE WHEN c.relpages > 0 AND c.reltuples > 0 THEN c.reltuples / c.relpages ELSE 50 END
        INTO step FROM pg_class c WHERE c.oid = format('public.%I', tables[i])::regclass;
      step := GREATEST(1, size / GREATEST(step, 1));
      page := 0;
      WHILE page <= pages AND done < planned[i] LOOP
        EXECUTE format('DELETE FROM public.%I WHERE ctid >= %L::tid AND ctid < %L::tid AND (%s)',
                       tables[i], format('(%s,0)', page), format('(%s,0)', page + step), preds[i]);
        GET DIAGNOSTICS n = ROW_COUNT;
        done := done + n;
        page := page + step;
        UPDATE retention_plan SET deleted = done WHERE tbl = tables[i];
        COMMIT;
        IF n > 0 THEN
          RAISE NOTICE 'retention: % %/%', tables[i], done, planned[i];
        END IF;
      END LOOP;
    ELSIF planned[i] > 0 THEN
      LOOP
        EXECUTE format('DELETE FROM public.%I WHERE ctid = ANY (ARRAY(SELECT ctid FROM public.%I WHERE %s LIMIT %s))',
                       tables[i], tables[i], preds[i], size);
        GET DIAGNOSTICS n = ROW_COUNT;
        done := done + n;
        UPDATE retention_plan SET deleted = done WHERE tbl = tables[i];
        COMMIT;
        EXIT WHEN n < size;
        RAISE NOTICE 'retention: % %/%', tables[i], done, planned[i];
      END LOOP;
    END IF;
    RAISE NOTICE 'retention: % %/%', tables[i], done, planned[i];
  END LOOP;
END
$delete$;

SELECT 'deleted', tbl, deleted FROM retention_plan ORDER BY position;
