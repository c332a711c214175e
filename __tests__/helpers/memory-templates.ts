import nunjucks from 'nunjucks';

/** Templates from memory, so a test needs no views folder; throws for a name it lacks, as some hand-written loaders do. */
export class MemoryLoader extends nunjucks.Loader implements nunjucks.ILoader {
  constructor(readonly templates: Record<string, string>) {
    super();
  }

  getSource(name: string): nunjucks.LoaderSource {
    const src = this.templates[name];
    if (src === undefined) throw new Error(`no template ${name}`);
    return { src, path: name, noCache: false };
  }
}

/** A Nunjucks environment (autoescape on, as djust-lite's own) over `templates`. */
export function memoryEnvironment(templates: Record<string, string>): nunjucks.Environment {
  return new nunjucks.Environment(new MemoryLoader(templates), { autoescape: true });
}
