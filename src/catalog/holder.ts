/**
 * Who holds a scan run or a playbook run: 'pid@host'. A holder on this host whose process is
 * gone was killed or crashed; one on another host cannot be checked and is presumed alive.
 */
import { hostname } from 'node:os';

export function currentHolder(): string {
  return `${process.pid}@${hostname()}`;
}

export function holderAlive(holder: string): boolean {
  const at = holder.indexOf('@');
  const pid = Number(holder.slice(0, at));
  if (holder.slice(at + 1) !== hostname() || !Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
