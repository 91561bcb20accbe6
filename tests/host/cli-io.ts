// The CLI in process: main() with captured stdout/stderr, for the CLI specs.
import { main, type Io } from '../../src/host/cli'

export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const io: Io = { out: (s) => (out += s), err: (s) => (err += s) }
  const code = await main(argv, io)
  return { code, out, err }
}
