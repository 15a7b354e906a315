/**
 * Devices (GPU ids) handed out to episodes so that no two running episodes share one: `take(n)` gives `n` free ids
 * or undefined when fewer are free; `give` returns them.
 */
export class DeviceSlots {
  private readonly free: string[];

  constructor(devices: string[]) {
    this.free = [...devices];
  }

  get available(): number {
    return this.free.length;
  }

  take(count: number): string[] | undefined {
    if (count === 0) return [];
    if (this.free.length < count) return undefined;
    return this.free.splice(0, count);
  }

  give(devices: string[]): void {
    for (const d of devices) if (!this.free.includes(d)) this.free.push(d);
  }
}
