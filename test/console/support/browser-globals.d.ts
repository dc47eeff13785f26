// The browser specs' `page.evaluate` callbacks run in the page: they are typed with the DOM.
/// <reference lib="dom" />
