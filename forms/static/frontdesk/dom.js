/*
 * What the page side (render.js) and the isolated renderer (formio-common.js, inside the frame) both read
 * from their document: JSON from an attribute or a <script type="application/json">, and the language.
 * Defines window.FrontdeskDom.{parseJson, jsonFromElement, language}; load it before either of them.
 */
(function (window, document) {
  'use strict';

  function parseJson(text, what) {
    if (text === null || text === undefined || text === '') {
      return null;
    }
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new Error('frontdesk: invalid JSON in ' + what + ': ' + e.message);
    }
  }

  function jsonFromElement(id) {
    var node = id && document.getElementById(id);
    return node ? parseJson(node.textContent, '#' + id) : null;
  }

  function language(el) {
    var lang = ((el && el.getAttribute('data-lang')) || document.documentElement.lang || 'de').slice(0, 2);
    return lang === 'en' ? 'en' : 'de';
  }

  window.FrontdeskDom = { parseJson: parseJson, jsonFromElement: jsonFromElement, language: language };
})(window, document);
