// Ideapool's progressive enhancements. Every page works without this file.
"use strict";

const Ideapool = {
  csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  },

  // JSON request to the API with the session cookie and the CSRF header.
  async api(method, path, body) {
    const options = { method, headers: { "X-CSRFToken": this.csrfToken(), Accept: "application/json" }, credentials: "same-origin" };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(path, options);
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw Object.assign(new Error(data.error ? data.error.message : response.statusText), { response, data });
    return data;
  },
};
window.Ideapool = Ideapool;
