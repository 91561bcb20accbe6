// npm run fuzz -- --cases N [--seed S] [--workers W]: protocol-boundary fuzzing of the spec
// device and driver (docs/spec-profile.md §6) on W processes (default 2). Ends with one summary
// line; exit 1 when a case fails (printed with its seed and index so it replays), 2 on bad flags.
import { fork } from 'node:child_process'
import { randomCase, runCase } from '../src/profiles/spec/testing/fuzz'
import { SpecPair } from '../src/profiles/spec/testing/pair'
import { mulberry32 } from '../src/virtio/testing/mock-driver'

const FLAGS = ['cases', 'seed', 'workers', 'from']
function bad(msg: string): never {
  process.stderr.write(`fuzz: ${msg}\n`)
  process.exit(2)
}
const args = process.argv.slice(2)
const flags = new Map<string, number>()
for (let i = 0; i < args.length; i++) {
  const name = args[i]!.replace(/^--/, '')
  if (!args[i]!.startsWith('--') || !FLAGS.includes(name)) bad(`unknown argument ${args[i]} (use --cases N, --seed S, --workers W)`)
  const v = Number(args[++i])
  if (!Number.isSafeInteger(v) || v < 0) bad(`--${name} needs a non-negative integer, got '${args[i] ?? ''}'`)
  flags.set(name, v)
}
const cases = flags.get('cases') ?? 10_000
const seed = flags.get('seed') ?? Date.now() % 2 ** 31
const workers = Math.max(1, Math.min(flags.get('workers') ?? 2, 16))
const t0 = performance.now()

/** cases run one after another on the same pair (it recovers by reset); a failure replays from
 *  the group's first case */
const GROUP = 16

/** cases [from, from + n) of the campaign; case i is randomCase(mulberry32(seed * 7919 + i)) */
function run(from: number, n: number): number {
  let fail = 0
  let pair = new SpecPair()
  for (let i = from; i < from + n; i++) {
    if ((i - from) % GROUP === 0) pair = new SpecPair()
    const c = randomCase(mulberry32(seed * 7919 + i))
    const why = runCase(c, pair)
    if (why && ++fail <= 3)
      process.stderr.write(`case ${i} (seed ${seed}, after cases ${i - ((i - from) % GROUP)}..${i - 1} on the same pair): ${why}\n${JSON.stringify(c)}\n`)
  }
  return fail
}

function summary(fail: number): never {
  const s = (performance.now() - t0) / 1000
  console.log(`fuzz: ${cases} cases, ${fail} failed, ${(cases / s).toFixed(0)} cases/s, ${s.toFixed(1)} s, ${workers} workers, seed ${seed}`)
  process.exit(fail ? 1 : 0)
}

if (flags.has('from')) {
  // a worker: report failures to the parent
  const fail = run(flags.get('from')!, cases)
  process.send?.({ fail })
  process.exit(0)
} else if (workers === 1 || cases < 1000) {
  summary(run(0, cases))
} else {
  let fail = 0
  let left = workers
  const per = Math.ceil(cases / workers)
  for (let w = 0; w < workers; w++) {
    const from = w * per
    const n = Math.max(0, Math.min(per, cases - from))
    const child = fork(process.argv[1]!, ['--cases', String(n), '--seed', String(seed), '--from', String(from)], { execArgv: process.execArgv })
    child.on('message', (m: { fail: number }) => (fail += m.fail))
    child.on('exit', (code) => {
      if (code !== 0) fail++
      if (--left === 0) summary(fail)
    })
  }
}
