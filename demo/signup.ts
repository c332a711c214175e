import { z } from 'zod';
import { eventHandler, LiveView } from '../lib';

/**
 * What the browser may send to the signup form's events: its fields as the strings they are,
 * bounded. Anything else (a missing field, an object) is answered `bad_params` and the
 * handler never runs: no honest page sends it.
 */
export const SignupForm = z.object({
  name: z.string().max(200),
  email: z.string().max(200),
  age: z.string().max(10),
  bio: z.string().max(1000),
  _target: z.string().optional(),
});
export type SignupForm = z.infer<typeof SignupForm>;

/** What a valid signup is: the rules the user reads as per-field errors. */
export const Signup = z.object({
  name: z.string().trim().min(2, 'Your name needs at least 2 characters.').max(40, 'At most 40 characters.'),
  email: z.string().trim().pipe(z.email('That is not an email address.')),
  age: z.string().trim().min(1, 'Your age, please.')
    .pipe(z.coerce.number<string>().int('Whole years, please.').min(13, 'You must be 13 or older.').max(130, 'Really?')),
  bio: z.string().max(160, 'At most 160 characters.'),
});

type Field = keyof z.infer<typeof Signup>;
const FIELDS: Field[] = ['name', 'email', 'age', 'bio'];

/** A Standard Schema path segment is a key or `{ key }` (valibot): the field is the first. */
type Issue = { message: string; path?: readonly (PropertyKey | { key: PropertyKey })[] };

/** First message per field. */
function errorsOf(issues: readonly Issue[]): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of issues) {
    const head = issue.path?.[0];
    const field = typeof head === 'object' && head !== null ? String(head.key) : String(head ?? '');
    errors[field] ??= issue.message;
  }
  return errors;
}

/** The demo pretends to store the account for this long, so `dj-disable-with` can be seen. */
const SAVE_DELAY_MS = 400;

/**
 * `/signup`: the forms pattern (docs/forms.md). Every change re-checks the whole form and
 * shows errors for the fields the user has reached (`_target`); submit shows them all, or
 * saves, flashes and moves to the home page with pushNavigate (same layout: no page load).
 */
export class SignupView extends LiveView {
  static template = 'signup.njk';
  form = { name: '', email: '', age: '', bio: '' };
  errors: Record<string, string> = {};
  /** Fields the user has changed: only those show errors while typing. */
  touched: string[] = [];

  mount() {
    this.pageTitle = 'Sign up';
  }

  @eventHandler({ params: SignupForm })
  validate({ _target, ...form }: SignupForm) {
    this.form = form;
    if (_target && !this.touched.includes(_target)) this.touched = [...this.touched, _target];
    const result = Signup.safeParse(form);
    const errors = result.success ? {} : errorsOf(result.error.issues);
    this.errors = Object.fromEntries(Object.entries(errors).filter(([field]) => this.touched.includes(field)));
  }

  @eventHandler({ params: SignupForm })
  async save({ _target, ...form }: SignupForm) {
    this.form = form;
    const result = Signup.safeParse(form);
    if (!result.success) {
      this.touched = [...FIELDS];
      this.errors = errorsOf(result.error.issues);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, SAVE_DELAY_MS));
    this.putFlash('success', `Welcome, ${result.data.name}! You are signed up.`);
    this.pushNavigate('/');
  }
}
