import { RegionState } from '../../lib/render/region';

describe('RegionState', () => {
  it('sends a region the diff cannot model exactly as HTML, and says why at debug level', () => {
    const lines: string[] = [];
    const region = new RegionState('<p>one</p>');
    expect(region.update('<p>two<div>block in p</div></p>', (m) => lines.push(m))).toEqual({ html: '<p>two<div>block in p</div></p>' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^djust-lite: region sent whole: .+\.$/);
  });

  it('logs nothing when the diff is exact', () => {
    const lines: string[] = [];
    const list = (n: number) => `<p id="n">${n}</p><ul>${'<li>item</li>'.repeat(20)}</ul>`;
    const region = new RegionState(list(1));
    expect(region.update(list(2), (m) => lines.push(m))).toEqual({ ops: expect.any(Array) });
    expect(lines).toEqual([]);
  });
});
