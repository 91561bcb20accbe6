// A minimal qtest client (QEMU's tests/qtest protocol over -qtest stdio): QEMU with -S runs no
// guest code, so these commands are the "guest software" (docs/ivshmem.md#device).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'

export class QTest {
  readonly proc: ChildProcessWithoutNullStreams
  private buf = ''
  private readonly waiting: ((line: string) => void)[] = []
  stderr = ''
  constructor(args: string[]) {
    this.proc = spawn('qemu-system-x86_64', [...args, '-qtest', 'stdio'], { stdio: 'pipe' })
    this.proc.stdout.setEncoding('utf8')
    this.proc.stdout.on('data', (d: string) => {
      this.buf += d
      let i
      while ((i = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, i)
        this.buf = this.buf.slice(i + 1)
        if (line.startsWith('IRQ')) continue // async notifications
        this.waiting.shift()?.(line)
      }
    })
    this.proc.stderr.on('data', (d) => (this.stderr += String(d)))
  }
  cmd(c: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const onExit = () => reject(new Error(`qemu exited during '${c}': ${this.stderr.trim()}`))
      this.proc.once('exit', onExit)
      this.waiting.push((line) => {
        this.proc.off('exit', onExit)
        if (!line.startsWith('OK')) reject(new Error(`qtest '${c}': ${line}`))
        else resolve(line.slice(3).trim())
      })
      this.proc.stdin.write(c + '\n')
    })
  }
  async cfgRead(dev: number, reg: number): Promise<number> {
    await this.cmd(`outl 0xcf8 0x${((0x80000000 | (dev << 11) | (reg & 0xfc)) >>> 0).toString(16)}`)
    return Number(await this.cmd('inl 0xcfc')) >>> 0
  }
  async cfgWrite(dev: number, reg: number, v: number): Promise<void> {
    await this.cmd(`outl 0xcf8 0x${((0x80000000 | (dev << 11) | (reg & 0xfc)) >>> 0).toString(16)}`)
    await this.cmd(`outl 0xcfc 0x${(v >>> 0).toString(16)}`)
  }
  readl = async (addr: number) => Number(await this.cmd(`readl 0x${addr.toString(16)}`)) >>> 0
  writel = (addr: number, v: number) => this.cmd(`writel 0x${addr.toString(16)} 0x${(v >>> 0).toString(16)}`)
  /** bytes at addr as a string (qtest `read` answers 0x<hex>) */
  async readStr(addr: number, len: number): Promise<string> {
    const hex = (await this.cmd(`read 0x${addr.toString(16)} ${len}`)).replace(/^0x/, '')
    return Buffer.from(hex, 'hex').toString()
  }
  writeStr = (addr: number, s: string) => this.cmd(`write 0x${addr.toString(16)} ${s.length} 0x${Buffer.from(s).toString('hex')}`)
  kill(): void {
    if (this.proc.exitCode === null) this.proc.kill('SIGKILL')
  }
}
