/**
 * A real full disk for tests: a small tmpfs mounted on a fresh folder (needs root, as the attack had),
 * which `fill()` fills to the last byte and `free()` empties again. Tests skip where it cannot be mounted.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers.js';

export class SmallDisk {
  private constructor(readonly dir: string) {}

  /** Mounts a tmpfs of `kb` kilobytes; null when this process may not mount. */
  static mount(kb = 1024): SmallDisk | null {
    const dir = tempDir('rqb-disk-');
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${kb}k`, 'tmpfs', dir], { stdio: 'ignore' });
      return new SmallDisk(dir);
    } catch {
      fs.rmSync(dir, { recursive: true, force: true });
      return null;
    }
  }

  private get ballast(): string {
    return path.join(this.dir, '.ballast');
  }

  /** Fills the disk: every further write fails with ENOSPC. */
  fill(): void {
    const fd = fs.openSync(this.ballast, 'a');
    try {
      for (const size of [65536, 4096, 1]) {
        const chunk = Buffer.alloc(size);
        try {
          for (;;) fs.writeSync(fd, chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
        }
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  free(): void {
    fs.rmSync(this.ballast, { force: true });
  }

  unmount(): void {
    execFileSync('umount', ['-l', this.dir], { stdio: 'ignore' });
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export const canMount = (() => {
  const disk = SmallDisk.mount(64);
  disk?.unmount();
  return disk !== null;
})();
