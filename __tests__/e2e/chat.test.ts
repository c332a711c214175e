import { useBrowser } from './support/browser';
import { waitForTitle } from './support/page';
import { runSession, TRANSPORTS } from './support/session';

const browser = useBrowser();

describe.each(TRANSPORTS)('chat over $name', (transport) => {
  test('a message sent in one page raises the unread title in the other', () =>
    runSession(browser(), transport, async ({ open }) => {
      const alice = await open('/chat');
      const bob = await open('/chat');
      await alice.fill('#chat-text', 'hello from alice');
      await alice.click('#chat-send');
      await waitForTitle(bob, 'Chat (1 unread)');
      await bob.locator('#messages li', { hasText: 'hello from alice' }).waitFor();
      await alice.locator('#messages li', { hasText: 'hello from alice' }).waitFor();
      expect(await alice.title()).toBe('Chat');

      await alice.fill('#chat-text', 'are you there?');
      await alice.press('#chat-text', 'Enter');
      await waitForTitle(bob, 'Chat (2 unread)');
      expect(await bob.locator('#unread').textContent()).toBe('2 unread');

      await bob.click('#chat-read');
      await waitForTitle(bob, 'Chat');
      expect(await alice.title()).toBe('Chat');
    }));
});
