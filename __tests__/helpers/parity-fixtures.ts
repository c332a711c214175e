/** HTML fixtures the liveTest parity tests share: __tests__/testing/browser-params-parity.test.ts (jsdom) and __tests__/e2e/live-test-parity.test.ts (Chromium). */

/** Every input type, the FormData rules around them (disabled, fieldset, form=, buttons), in one form. */
export const EVERY_TYPE = `
<form id="f" dj-submit="save" dj-change="edit" dj-value-form="main">
  <input name="text" value="line">
  <input type="search" name="search" value="a b">
  <input type="tel" name="tel" value="+1 555">
  <input type="url" name="url" value="  https://x.example/  ">
  <input type="email" name="email" value=" ada@example.com ">
  <input type="email" name="emails" multiple value=" a@x.io , b@x.io">
  <input type="password" name="password" value="secret">
  <input type="number" name="number" value="4.5e2">
  <input type="number" name="badnumber" value="12abc">
  <input type="range" name="range">
  <input type="range" name="range2" min="10" max="20" step="4" value="18">
  <input type="range" name="range3" max="50" value="80">
  <input type="color" name="color" value="#FFAA00">
  <input type="color" name="badcolor" value="#12">
  <input type="date" name="date" value="2024-02-29">
  <input type="date" name="baddate" value="2023-02-29">
  <input type="month" name="month" value="2024-13">
  <input type="week" name="week" value="2020-W53">
  <input type="time" name="time" value="09:30:15.500">
  <input type="datetime-local" name="dtl" value="2024-05-06 07:08:00">
  <input type="hidden" name="hidden" value="h &amp; i">
  <input type="checkbox" name="cb" value="yes" checked>
  <input type="checkbox" name="cb" value="no">
  <input type="checkbox" name="on" checked>
  <input type="radio" name="r" value="1" checked><input type="radio" name="r" value="2" checked>
  <select name="single"><option disabled>Pick</option><option>  Two
     words </option><option value="3">Three</option></select>
  <select name="multi" multiple><option value="a" selected>A</option><option value="b">B</option><option value="c" selected>C</option></select>
  <select name="sized" size="3"><option value="x">X</option></select>
  <select name="grouped"><optgroup label="g"><option value="g1">G1</option></optgroup><option value="o" selected>O</option></select>
  <select name="lastwins"><option value="a" selected>A</option><option value="b" selected>B</option></select>
  <textarea name="ta">
keep &lt;this&gt;
and this</textarea>
  <input type="file" name="file">
  <input name="off" value="x" disabled>
  <fieldset disabled><legend><input name="inlegend" value="l"></legend><input name="infieldset" value="f"></fieldset>
  <input value="no name"><input name="" value="empty name">
  <input name="elsewhere" form="other" value="e">
  <button name="btn" value="b">Button</button>
  <input type="submit" name="sub" value="S">
  <input type="image" name="img" alt="go">
</form>
<form id="other"></form>
<input name="joined" form="f" value="j">`;

/** Where jsdom departs from the HTML standard (Chromium follows it): `_charset_`, disabled options, range steps. */
export const JSDOM_DEPARTS = `<form id="f" dj-submit="save">
  <input type="hidden" name="_charset_">
  <select name="grouped"><optgroup label="g" disabled><option value="g1" selected>G1</option></optgroup><option value="o">O</option></select>
  <select name="off"><option value="a">A</option><option value="b" disabled selected>B</option></select>
  <input type="range" name="range" min="10" max="20" step="4" value="19">
  <input type="range" name="range2" min="0" max="10" step="3" value="10">
</form>`;

/** A dj-submit form with every kind of submitter, one outside it joined by form="f". */
export const SUBMITTERS = `
<form id="f" dj-submit="save" dj-value-list="home"><input name="a" value="1">
  <button id="draft" name="save" value="draft" dj-click="drafting" dj-value-why="auto">Draft</button>
  <button id="plain" name="save">No value</button>
  <input id="sub" type="submit" name="go" value="Go">
  <input id="img" type="image" name="pos" alt="at">
  <input name="z" value="26">
</form>
<button id="outside" form="f" name="save" value="later">Later</button>
<input id="joined" form="f" name="j" value="J" dj-value-ignored="x">`;
