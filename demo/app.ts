import path from 'node:path';
import express from 'express';
import { djustLite, eventHandler, LiveView, type DjustLite, type DjustLiteOptions, type MountContext } from '../lib';
import { SignupView } from './signup';
import { servePictures, UploadsView } from './uploads';
import { SearchView } from './search';
import { DecarbonizeView } from './decarbonize';
import { LogView } from './log';

const CHAT_TOPIC = 'chat:lobby';

interface ChatMessage {
  id: number;
  from: string;
  text: string;
}
let nextMessageId = 1;

/** "Chat (N unread)": messages from other tabs arrive through pub/sub. */
export class ChatView extends LiveView {
  static template = 'chat.njk';
  unread = 0;
  messages: ChatMessage[] = [];
  me = '';

  mount(ctx: MountContext) {
    this.me = `guest-${Math.random().toString(36).slice(2, 6)}`;
    this.pageTitle = 'Chat';
    if (ctx.connected) this.subscribe(CHAT_TOPIC);
  }

  @eventHandler()
  send(params: { text?: unknown }) {
    const text = typeof params.text === 'string' ? params.text.trim().slice(0, 500) : '';
    if (!text) return;
    const message: ChatMessage = { id: nextMessageId++, from: this.me, text };
    this.messages = [...this.messages, message].slice(-50);
    chatBus.publish(message, this);
  }

  @eventHandler()
  markRead() {
    this.unread = 0;
    this.pageTitle = 'Chat';
  }

  handleInfo(message: unknown) {
    const msg = message as { chat?: ChatMessage; sender?: string };
    if (!msg.chat || msg.sender === this.me) return;
    this.messages = [...this.messages, msg.chat].slice(-50);
    this.unread += 1;
    this.pageTitle = `Chat (${this.unread} unread)`;
  }
}

/** Set by createDemoApp: lets a chat view broadcast to the others. */
const chatBus = {
  live: null as DjustLite | null,
  publish(message: ChatMessage, from: ChatView) {
    this.live?.broadcast(CHAT_TOPIC, { chat: message, sender: from.me });
  },
};

/** "Inbox (N)" while mail is unread, "Inbox" once read. */
export class InboxView extends LiveView {
  static template = 'inbox.njk';
  unread = 0;

  mount() {
    this.pageTitle = 'Inbox';
  }

  @eventHandler()
  receive() {
    this.unread += 1;
    this.pageTitle = `Inbox (${this.unread})`;
  }

  @eventHandler()
  readAll() {
    this.unread = 0;
    this.pageTitle = 'Inbox';
  }
}

/** "● REC - Studio" while recording (a server timer ticks), "◼ Stopped - Studio" otherwise. */
export class StudioView extends LiveView {
  static template = 'studio.njk';
  recording = false;
  seconds = 0;
  #cancelTick: (() => void) | null = null;

  mount() {
    this.pageTitle = '◼ Stopped - Studio';
  }

  @eventHandler()
  toggle() {
    this.recording = !this.recording;
    this.#cancelTick?.();
    this.#cancelTick = null;
    if (this.recording) {
      this.seconds = 0;
      this.pageTitle = '● REC - Studio';
      this.#cancelTick = this.sendAfter('tick', 1000);
    } else {
      this.pageTitle = '◼ Stopped - Studio';
    }
  }

  handleInfo(message: unknown) {
    if (message !== 'tick' || !this.recording) return;
    this.seconds += 1;
    this.#cancelTick = this.sendAfter('tick', 1000);
  }
}

export interface Product {
  id: string;
  name: string;
  description: string;
  price: string;
  image: string;
}

export const PRODUCTS: Product[] = [
  { id: 'lamp', name: 'Desk Lamp', description: 'A warm, dimmable desk lamp in brushed steel.', price: '€49', image: '/img/lamp.png' },
  { id: 'chair', name: 'Oak Chair', description: 'Solid oak chair with a woven seat.', price: '€189', image: '/img/chair.png' },
  { id: 'mug', name: 'Stoneware Mug', description: 'Hand-glazed mug, 350 ml, "dishwasher-safe" & sturdy.', price: '€18', image: '/img/mug.png' },
];

/**
 * `/store?product=mug`: the product comes from the URL in handleParams, so dj-patch links,
 * pushPatch, back/forward and a direct GET (crawlers) all show the same title, meta and
 * canonical link. "Desk Lamp | Store" comes from a function title template.
 */
export class StoreView extends LiveView {
  static template = 'store.njk';
  static titleTemplate = (title: string | undefined) => (title ? `${title} | Store` : 'Store');
  products = PRODUCTS;
  product: Product | null = null;

  handleParams(_params: Record<string, string>, _url: string, query: Record<string, string | string[]>) {
    const id = typeof query.product === 'string' ? query.product : undefined;
    const product = PRODUCTS.find((p) => p.id === id) ?? null;
    if (id !== undefined && !product) this.putFlash('error', 'That product does not exist.');
    this.product = product;
    if (product) {
      this.pageTitle = product.name;
      this.pageMeta = {
        description: product.description,
        'og:title': product.name,
        'og:description': product.description,
        'og:image': product.image,
      };
      this.pageLinks = { canonical: `/store?product=${product.id}` };
    } else {
      this.pageTitle = undefined; // the title template shows "Store"
      this.pageMeta = { description: 'Hand-made goods for home and work.', 'og:title': 'Store', 'og:description': null, 'og:image': null };
      this.pageLinks = { canonical: '/store' };
    }
  }

  /** Server-side navigation: pushPatch runs handleParams for the URL and moves the browser there. */
  @eventHandler()
  select(params: { id?: unknown }) {
    if (typeof params.id === 'string') this.pushPatch(`/store?product=${encodeURIComponent(params.id)}`);
  }

  @eventHandler()
  surprise() {
    const next = PRODUCTS[(PRODUCTS.findIndex((p) => p === this.product) + 1) % PRODUCTS.length] as Product;
    this.pushPatch(`/store?product=${next.id}`);
  }
}

/** Save shows the flash "Changes saved!" and sets "Project - Saved". */
export class SettingsView extends LiveView {
  static template = 'settings.njk';
  project = 'Project';

  mount() {
    this.pageTitle = this.project;
  }

  @eventHandler()
  save(params: { project?: unknown }) {
    const name = typeof params.project === 'string' ? params.project.trim().slice(0, 80) : '';
    if (!name) {
      this.putFlash('error', 'Project name cannot be empty.');
      return;
    }
    this.project = name;
    this.pageTitle = `${name} - Saved`;
    this.putFlash('success', 'Changes saved!');
  }
}

class HomeView extends LiveView {
  static template = 'home.njk';
  mount() {
    this.pageTitle = 'djust-lite demo';
    this.pageMeta = { description: 'Live page titles, meta tags and flash messages for Express.' };
  }
}

/** The demo app; `demo/server.ts` listens, the end-to-end tests start it on port 0. */
export function createDemoApp(options: DjustLiteOptions = {}): { app: express.Express; live: DjustLite } {
  const app = express();
  // A fixed secret keeps pages valid across a demo restart; production apps pass their own.
  const secret = process.env.DJUST_SECRET ?? 'djust-lite-demo-secret-not-for-production';
  const live = djustLite({ views: path.join(__dirname, 'views'), secret, ...options });
  chatBus.live = live;
  // One live session: no page here sits behind middleware of its own, so dj-navigate links
  // between them switch views without a page load.
  const demo = { liveSession: 'demo' };
  live
    .route('/', HomeView, demo)
    .route('/chat', ChatView, demo)
    .route('/inbox', InboxView, demo)
    .route('/studio', StudioView, demo)
    .route('/store', StoreView, demo)
    .route('/settings', SettingsView, demo)
    .route('/signup', SignupView, demo)
    .route('/search', SearchView, demo)
    .route('/decarbonize', DecarbonizeView, demo)
    .route('/log', LogView, demo)
    .route('/uploads', UploadsView, demo);
  servePictures(app);
  // Demo only: the panel showing the live <head> (title, meta, links) on every page.
  app.use('/demo-assets', express.static(path.join(__dirname, 'public')));
  app.use(live);
  return { app, live };
}
