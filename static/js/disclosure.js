// Menu and filter buttons on small screens. Loaded in <head> without `defer`, so the `js` class is on <html>
// before the first paint: the stylesheet folds the menu and the filters on phones only when this file runs, and
// without it every link and field stays in view.
"use strict";

document.documentElement.classList.add("js");

(function () {
  // A button[data-disclosure] shows and hides the element its aria-controls names; the stylesheet reads the
  // button's aria-expanded, so the state lives in one place.
  function setExpanded(button, expanded) {
    button.setAttribute("aria-expanded", expanded ? "true" : "false");
  }

  function closeFrom(event, button) {
    if (event.key !== "Escape" || button.getAttribute("aria-expanded") !== "true") return;
    if (getComputedStyle(button).display === "none") return; // a wide screen: nothing is folded
    setExpanded(button, false);
    button.focus();
    event.stopPropagation(); // a folded group inside the open menu leaves the menu open
  }

  function enhance(button) {
    const region = document.getElementById(button.getAttribute("aria-controls"));
    if (!region) return;
    button.addEventListener("click", () => setExpanded(button, button.getAttribute("aria-expanded") !== "true"));
    for (const element of [button, region]) element.addEventListener("keydown", (event) => closeFrom(event, button));
    if (button.dataset.disclosure === "popup") closeWhenLeft(button, button.parentElement);
  }

  // A drop-down (data-disclosure="popup") also folds when a click or the focus goes elsewhere.
  function closeWhenLeft(button, box) {
    document.addEventListener("click", (event) => {
      if (!box.contains(event.target)) setExpanded(button, false);
    });
    box.addEventListener("focusout", (event) => {
      if (event.relatedTarget && !box.contains(event.relatedTarget)) setExpanded(button, false);
    });
  }

  function start() {
    document.querySelectorAll("button[data-disclosure]").forEach(enhance);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
