/* Small helpers the live pages share: build an element, fill a "{name}" template, call the JSON API. No framework,
   no build step. */
window.dom = {
  el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "onclick") node.addEventListener("click", value);
      else if (value !== false && value !== null && value !== undefined) node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    return node;
  },
  /* An element showing its parts as text: what Leaflet tooltips and popups get, since a string there is HTML. */
  plain(...parts) {
    return window.dom.el("span", {}, ...parts);
  },
  fill(text, values) {
    return text.replace(/\{(\w+)\}/g, (_, key) => values[key]);
  },
  /* Every item of a paged API list, asked for page after page: a live list shows them all, not the first page. */
  async all(url) {
    const items = [];
    for (let page = 1; ; page += 1) {
      const body = await window.dom.api("GET", `${url}${url.includes("?") ? "&" : "?"}per_page=200&page=${page}`);
      items.push(...body.items);
      if (page * body.per_page >= body.total || !body.items.length) return items;
    }
  },
  /* Call the API as the logged-in user; a refusal throws an Error whose message is what the API said was wrong. */
  async api(method, url, body, headers) {
    const csrf = document.querySelector('meta[name="csrf-token"]').content;
    const response = await fetch(url, {
      method, credentials: "same-origin",
      headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": csrf, ...(headers || {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = data.error || {};
      const separator = document.documentElement.lang === "en" ? "; " : "；";  // Chinese text, full-width mark
      const detail = (error.errors || []).map((e) => e.message).join(separator);
      throw new Error(detail || error.message || String(response.status));
    }
    return data;
  },
};
