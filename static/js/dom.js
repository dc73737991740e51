/* Small helpers the live pages share: build an element, fill a "{name}" template. No framework, no build step. */
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
  fill(text, values) {
    return text.replace(/\{(\w+)\}/g, (_, key) => values[key]);
  },
};
