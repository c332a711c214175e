import path from 'node:path';
import ts from 'typescript';
import { builtPackage, consumerProject, removeProject } from '../helpers/built-package';

/**
 * The built package's declarations, type-checked the way users compile against them: a small
 * app (the README's view with `@eventHandler`, typed options and session, Express's request in
 * `mount`) and a `liveTest` file, under each common `module`/`moduleResolution` pair, with and
 * without `esModuleInterop`, all with `strict`, `exactOptionalPropertyTypes` and
 * `skipLibCheck: false` (so every .d.ts djust-lite ships is checked, with what it imports).
 * One in-process `tsc` program per setup.
 */

interface Setup {
  name: string;
  module: string;
  moduleResolution: string;
  /** package.json "type". */
  type: 'commonjs' | 'module';
  /** What a relative import of a .ts file is written as. */
  ext: '' | '.js';
}

const SETUPS: Setup[] = [
  { name: 'commonjs/node10', module: 'commonjs', moduleResolution: 'node10', type: 'commonjs', ext: '' },
  { name: 'node16 (CommonJS package)', module: 'node16', moduleResolution: 'node16', type: 'commonjs', ext: '.js' },
  { name: 'nodenext (ESM package)', module: 'nodenext', moduleResolution: 'nodenext', type: 'module', ext: '.js' },
  { name: 'bundler', module: 'esnext', moduleResolution: 'bundler', type: 'module', ext: '' },
];

/** How the user's own file imports Express: a default import needs esModuleInterop (or ESM/bundler). */
function expressImport(setup: Setup, interop: boolean): string {
  return interop || setup.type === 'module' ? "import express from 'express';" : "import express = require('express');";
}

function appSource(setup: Setup, interop: boolean): string {
  return `${expressImport(setup, interop)}
import { djustLite, LiveView, eventHandler, DjustError, type DjustLiteOptions, type InferParams, type MountContext, type StandardSchemaV1 } from 'djust-lite';

interface UserSession { userId: string }

/** A Standard Schema written by hand (zod, valibot… give the same shape). */
const Archive: StandardSchemaV1<unknown, { id: number }> = {
  '~standard': {
    version: 1,
    vendor: 'user-app',
    validate: (value) => {
      const id = (value as { id?: unknown }).id;
      return typeof id === 'number' ? { value: { id } } : { issues: [{ message: 'Expected number', path: ['id'] }] };
    },
  },
};

export class InboxView extends LiveView {
  static template = 'inbox.njk';
  static titleTemplate = '%s | Mail';
  unread = 0;
  user = '';

  mount(ctx: MountContext<UserSession>) {
    this.pageTitle = 'Inbox';
    this.user = ctx.session?.userId ?? 'guest';
    if (ctx.req) this.user += \` at \${ctx.req.hostname}\${ctx.req.originalUrl}\`;
  }

  @eventHandler()
  receive() {
    this.unread += 1;
    this.pageTitle = \`Inbox (\${this.unread})\`;
    this.pageMeta = { description: 'Your mail', 'og:count': this.unread, robots: null };
    this.pageLinks = { canonical: '/inbox' };
    this.putFlash('info', 'New mail');
  }

  @eventHandler({ params: Archive })
  archive({ id }: InferParams<typeof Archive>) {
    this.pushEvent('archived', { id });
    this.pushReply({ ok: true, id });
  }

  @eventHandler('inbox:open', { params: Archive })
  open(params: { id: number }) {
    if (params.id > 0) this.pushNavigate('/inbox/' + params.id, { replace: true });
    else this.redirect('https://example.com/help');
  }

  @eventHandler('inbox:clear')
  clear(params: { all?: string }) {
    if (params.all) this.unread = 0;
    this.pushPatch('/inbox?cleared=1', { replace: true });
  }
}

const options: DjustLiteOptions = {
  views: 'views',
  secret: process.env.DJUST_SECRET,
  session: (req): UserSession => ({ userId: String(req.query.user ?? 'anonymous') }),
  logger: { debug: (m) => console.debug(m), warn: (m) => console.warn(m), error: (m, e) => console.error(m, e) },
  transport: process.env.DJUST_TRANSPORT === 'sse' ? 'sse' : undefined,
};

export const app = express();
export const live = djustLite(options);
live.route('/inbox', InboxView);
app.use(live);

export function start(port: number) {
  const server = app.listen(port);
  live.attach(server);
  return server;
}

export function codeOf(err: unknown): string | undefined {
  return err instanceof DjustError ? err.code : undefined;
}
`;
}

function testSource(setup: Setup): string {
  return `import { liveTest, testClock, type ActionResult, type LiveTestOptions } from 'djust-lite/testing';
import { app } from './app${setup.ext}';

export async function check(): Promise<string | undefined> {
  const options: LiveTestOptions = { transport: 'websocket', timeoutMs: process.env.SLOW ? 10000 : undefined, clock: testClock() };
  const view = await liveTest(app, '/inbox', options);
  const received = await view.event('receive', {});
  const html: string = received.html;
  const clicked: ActionResult = await view.element('#inbox li', /unread/).click();
  const sent: string | undefined = clicked.sent[0]?.event;
  await view.form('#compose', { to: 'ada', urgent: true, tags: ['a', 'b'], n: 3 }).submit('button[name="send"]');
  await view.element('#chart').hook('point', { x: 1 });
  const there: boolean = view.has('li', 'Inbox') && view.render('#inbox').length > html.length + (sent?.length ?? 0);
  const url: string = there ? await view.expectPatch('/inbox?page=2') : await view.expectRedirect();
  const after = await view.advance(1000);
  const fired: number = after.fired + url.length;
  const title: string | undefined = view.title;
  const flash: string | undefined = view.flash.info;
  await view.close();
  return flash === undefined ? title : \`\${title ?? ''}: \${flash} \${fired}\`;
}
`;
}

function check(setup: Setup, interop: boolean, pkg: string): string[] {
  const dir = consumerProject(pkg, {
    'package.json': JSON.stringify({ name: 'user-app', private: true, type: setup.type }),
    'app.ts': appSource(setup, interop),
    'app.test.ts': testSource(setup),
  });
  try {
    const { options, errors } = ts.convertCompilerOptionsFromJson({
      target: 'ES2022',
      lib: ['ES2022'],
      module: setup.module,
      moduleResolution: setup.moduleResolution,
      strict: true,
      exactOptionalPropertyTypes: true,
      skipLibCheck: false,
      esModuleInterop: interop,
      types: ['node'],
      noEmit: true,
    }, dir);
    if (errors.length > 0) return errors.map((e) => ts.flattenDiagnosticMessageText(e.messageText, '\n'));
    const program = ts.createProgram([path.join(dir, 'app.ts'), path.join(dir, 'app.test.ts')], options);
    // Every file of the user's and every .d.ts djust-lite ships, checked in full (skipLibCheck
    // is off); other packages' declarations are read as needed but not checked whole — their
    // own errors are not ours, and checking all of @types/node costs seconds per setup.
    const ours = program.getSourceFiles().filter((f) => f.fileName.startsWith(dir) && !f.fileName.includes('/node_modules/') || f.fileName.startsWith(pkg));
    const diagnostics = [
      ...program.getOptionsDiagnostics(),
      ...program.getGlobalDiagnostics(),
      ...ours.flatMap((f) => [...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f)]),
    ];
    return diagnostics.map((d) => {
      const where = d.file ? `${d.file.fileName.replace(/^.*node_modules\//, '')}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
      return `${where} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
  } finally {
    removeProject(dir);
  }
}

describe('Types in user projects', () => {
  let pkg: string;
  beforeAll(() => {
    pkg = builtPackage();
  }, 120_000);

  for (const setup of SETUPS) {
    for (const interop of [true, false]) {
      it(`type-checks an app and its liveTest under ${setup.name}, esModuleInterop ${interop}`, () => {
        expect(check(setup, interop, pkg)).toEqual([]);
      }, 60_000);
    }
  }
});
