/*
 * First script of the isolated renderer document: it has an opaque origin, so reading
 * document.cookie, localStorage or sessionStorage throws a SecurityError. @formio/js reads them (its
 * token helpers, browser-cookies), so give it what an empty, fresh browser would have: no cookies,
 * and storage that lives in this document's memory only. Nothing reaches the real cookies or storage.
 */
(function (window, document) {
  'use strict';

  function memoryStorage() {
    var items = {};
    return {
      get length() { return Object.keys(items).length; },
      key: function (i) { return Object.keys(items)[i] || null; },
      getItem: function (k) { return Object.prototype.hasOwnProperty.call(items, k) ? items[k] : null; },
      setItem: function (k, v) { items[String(k)] = String(v); },
      removeItem: function (k) { delete items[k]; },
      clear: function () { items = {}; }
    };
  }

  function usable(read) {
    try {
      read();
      return true;
    } catch (e) {
      return false;
    }
  }

  if (!usable(function () { return document.cookie; })) {
    Object.defineProperty(document, 'cookie', { configurable: true, get: function () { return ''; },
      set: function () {} });
  }
  ['localStorage', 'sessionStorage'].forEach(function (name) {
    if (!usable(function () { return window[name]; })) {
      Object.defineProperty(window, name, { configurable: true, value: memoryStorage() });
    }
  });
})(window, document);
