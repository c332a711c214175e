import { Fifo } from '../../lib/core/fifo';

describe('Fifo', () => {
  it('shifts in push order and reports its length', () => {
    const queue = new Fifo<number>();
    expect(queue.shift()).toBeUndefined();
    queue.push(1);
    queue.push(2);
    expect(queue.length).toBe(2);
    expect(queue.shift()).toBe(1);
    queue.push(3);
    expect([queue.shift(), queue.shift(), queue.shift()]).toEqual([2, 3, undefined]);
    expect(queue.length).toBe(0);
  });

  it('keeps order across compaction with a long, partly drained queue, and clear() empties it', () => {
    const queue = new Fifo<number>();
    const got: number[] = [];
    for (let i = 0; i < 5000; i += 1) {
      queue.push(i);
      if (i % 3 === 0) got.push(queue.shift() as number);
    }
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) got.push(item);
    expect(got).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    queue.push(1);
    queue.clear();
    expect([queue.length, queue.shift()]).toEqual([0, undefined]);
  });
});
