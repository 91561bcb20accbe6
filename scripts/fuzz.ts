// npm run fuzz -- --cases N [--seed S]: protocol-boundary fuzzing of the spec device and driver
// (docs/spec-profile.md §6). Ends with one summary line; exit 1 on a failing case (printed
// with its seed and index so it replays), 2 on bad flags.
import { randomCase, runCase } from '../src/profiles/spec/testing/fuzz'
import { mulberry32 } from '../src/virtio/testing/mock-driver'

function flag(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`)
  if (i < 0) return def
  const v = Number(process.argv[i + 1])
  if (!Number.isSafeInteger(v) || v < 0) {
    process.stderr.write(`fuzz: --${name} needs a non-negative integer, got '${process.argv[i + 1] ?? ''}'\n`)
    process.exit(2)
  }
  return v
}
for (const a of process.argv.slice(2))
  if (a.startsWith('--') && a !== '--cases' && a !== '--seed') {
    process.stderr.write(`fuzz: unknown flag ${a} (use --cases N, --seed S)\n`)
    process.exit(2)
  }

const cases = flag('cases', 10_000)
const seed = flag('seed', Date.now() % 2 ** 31)
const t0 = performance.now()
let fail = 0
for (let i = 0; i < cases; i++) {
  const c = randomCase(mulberry32(seed * 7919 + i))
  const why = runCase(c)
  if (why) {
    fail++
    if (fail <= 3) process.stderr.write(`case ${i} (seed ${seed}): ${why}\n${JSON.stringify(c)}\n`)
  }
}
const s = (performance.now() - t0) / 1000
console.log(`fuzz: ${cases} cases, ${fail} failed, ${(cases / s).toFixed(0)} cases/s, ${s.toFixed(1)} s, seed ${seed}`)
process.exit(fail ? 1 : 0)
