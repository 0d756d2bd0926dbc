import { UsageError } from '../platform/errors.ts';
import { apiTarget, sendJson } from './api-client.ts';
import { formatOption } from './args.ts';
import { defineCommand } from './command.ts';

const help = `Usage: atrium flags on|off [NAMESPACE/]NAME --environment ENV [--reason TEXT]
       atrium flags kill [NAMESPACE/]NAME [--reason TEXT]
       atrium flags start|advance|rollback|pause|resume [NAMESPACE/]NAME --environment ENV [--reason TEXT]
       atrium flags rollout [NAMESPACE/]NAME --environment ENV --percent N|default [--reason TEXT]

Turns a feature flag (a Flag entity of the catalog) on or off in one environment, over
what its file declares, or pulls its kill switch: off in every environment where it is
on; or moves its release plan (start at the first milestone, advance, roll back,
pause, resume). SDKs get the change at their next poll; every switch is recorded on the
flag's timeline with who, when, from what and to what. Needs a token with flags:write in
ATRIUM_TOKEN and the server in ATRIUM_URL.

  --environment ENV        the environment to switch (on, off, plans, rollout)
  --percent N|default      rollout: the percentage of every gradual rollout (0-100), or
                           default for the strategies' own
  --reason TEXT            why, shown on the timeline
  --server URL             the Atrium server (default: ATRIUM_URL)
  --token TOKEN            (default: ATRIUM_TOKEN)
  --format FORMAT          text (default) or json
  -h, --help               show this help

Exit status: 0 done, 64 bad usage, 65 refused (no such flag, bad token: the message
says which), 75 server unreachable or busy after retries.
`;

interface Switch {
  flag: string;
  environment: string;
  enabled: boolean;
  previous: boolean;
  changed: boolean;
}

const describe = (s: Switch) =>
  `${s.flag} in ${s.environment}: ${s.changed ? `${s.previous ? 'on' : 'off'} -> ${s.enabled ? 'on' : 'off'}` : `already ${s.enabled ? 'on' : 'off'}`}`;

export const flagsCommand = defineCommand({
  name: 'flags',
  help,
  options: {
    environment: { type: 'string' },
    percent: { type: 'string' },
    reason: { type: 'string' },
    server: { type: 'string' },
    token: { type: 'string' },
    format: { type: 'string', default: 'text' },
  },
  async run({ values, positionals, io }) {
    const format = formatOption(values.format);
    const [action, ref, ...rest] = positionals;
    const planActions = ['start', 'advance', 'rollback', 'pause', 'resume'];
    if (
      action !== 'on' &&
      action !== 'off' &&
      action !== 'kill' &&
      action !== 'rollout' &&
      !planActions.includes(action ?? '')
    ) {
      throw new UsageError(
        action === undefined ? 'Missing action' : `Unknown action "${action}"`,
        'Use atrium flags on, off, kill, rollout, start, advance, rollback, pause or resume (see `atrium flags --help`).',
      );
    }
    if (ref === undefined || rest.length > 0)
      throw new UsageError(
        'Give exactly one flag name',
        'For example: atrium flags off one-page-checkout --environment production',
      );
    const match = /^(?:([a-z0-9]+(?:-+[a-z0-9]+)*)\/)?([A-Za-z0-9][-A-Za-z0-9_.]{0,62})$/.exec(ref);
    if (!match)
      throw new UsageError(
        `"${ref}" is not a flag name`,
        'Use NAME or NAMESPACE/NAME, e.g. one-page-checkout or default/one-page-checkout.',
      );
    const path = `/api/v1/flags/${encodeURIComponent(match[1] ?? 'default')}/${encodeURIComponent(match[2] as string)}`;
    const reason = values.reason ? { reason: values.reason } : {};
    const target = apiTarget(values.server, values.token, io.env, 'flags');
    const onRetry = (message: string) => io.err(`atrium flags: ${message}\n`);
    let switches: Switch[];
    if (action === 'rollout') {
      if (!values.environment)
        throw new UsageError(
          '--environment is required',
          `For example: atrium flags rollout ${ref} --environment production --percent 25`,
        );
      const percent =
        values.percent === 'default'
          ? null
          : /^\d{1,3}$/.test(values.percent ?? '') && Number(values.percent) <= 100
            ? Number(values.percent)
            : undefined;
      if (percent === undefined)
        throw new UsageError(
          `--percent must be a whole number from 0 to 100, or default, not "${values.percent ?? ''}"`,
          'For example --percent 25.',
        );
      const set = (await sendJson(
        target,
        'PUT',
        `${path}/environments/${encodeURIComponent(values.environment)}/rollout`,
        { percent, ...reason },
        { onRetry },
      )) as { flag: string; rollout: number | null; changed: boolean };
      if (format === 'json') io.out(`${JSON.stringify(set)}\n`);
      else
        io.out(
          `${set.flag} in ${values.environment}: rollout ${set.rollout === null ? "the strategies' own" : `${set.rollout}%`}${set.changed ? '' : ' (already)'}\n`,
        );
      return 0;
    }
    if (action !== undefined && planActions.includes(action)) {
      if (!values.environment)
        throw new UsageError(
          '--environment is required',
          `For example: atrium flags ${action} ${ref} --environment production`,
        );
      const position = (await sendJson(
        target,
        'POST',
        `${path}/environments/${encodeURIComponent(values.environment)}/release-plan`,
        { action, ...reason },
        { onRetry },
      )) as { name: string; milestone: number; of: number; paused: boolean };
      if (format === 'json') io.out(`${JSON.stringify(position)}\n`);
      else
        io.out(
          `${ref} in ${values.environment}: "${position.name}" (${position.milestone + 1} of ${position.of})${position.paused ? ', paused' : ''}\n`,
        );
      return 0;
    }
    if (action === 'kill') {
      if (values.environment)
        throw new UsageError(
          'kill works on every environment',
          'Leave out --environment, or use atrium flags off NAME --environment ENV for one.',
        );
      switches = ((await sendJson(target, 'POST', `${path}/kill`, reason, { onRetry })) as { items: Switch[] }).items;
    } else {
      if (!values.environment)
        throw new UsageError(
          '--environment is required',
          `For example: atrium flags ${action} ${ref} --environment production`,
        );
      switches = [
        (await sendJson(
          target,
          'PUT',
          `${path}/environments/${encodeURIComponent(values.environment)}`,
          { enabled: action === 'on', ...reason },
          { onRetry },
        )) as Switch,
      ];
    }
    if (format === 'json') io.out(`${JSON.stringify(switches)}\n`);
    else
      io.out(switches.length ? `${switches.map(describe).join('\n')}\n` : 'Already off everywhere: nothing to kill.\n');
    return 0;
  },
});
