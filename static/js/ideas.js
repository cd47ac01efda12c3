// Votes and follows without a reload; similar ideas while typing. The forms work without this file.
"use strict";

(function () {
  const api = (...args) => window.Ideapool.api(...args);

  function setVoteButton(form, voted, count) {
    const button = form.querySelector(".vote-button");
    form.querySelector('input[name="action"]').value = voted ? "unvote" : "vote";
    button.setAttribute("aria-pressed", voted ? "true" : "false");
    form.querySelector(".vote-count").textContent = count;
    form.querySelector(".vote-unit").textContent = count === 1 ? "vote" : "votes";
    const label = button.querySelector(".vote-label");
    if (label) label.textContent = voted ? "Voted" : "Vote";
  }

  function setFollowButton(form, following) {
    const button = form.querySelector(".follow-button");
    form.querySelector('input[name="action"]').value = following ? "unfollow" : "follow";
    button.setAttribute("aria-pressed", following ? "true" : "false");
    button.textContent = following ? "Following" : "Follow";
  }

  async function onVote(form) {
    const voting = form.querySelector('input[name="action"]').value === "vote";
    const data = await api(voting ? "PUT" : "DELETE", `/api/v1/ideas/${form.dataset.ideaId}/vote`);
    setVoteButton(form, data.voted, data.vote_count);
  }

  async function onFollow(form) {
    const following = form.querySelector('input[name="action"]').value === "follow";
    const data = await api(following ? "PUT" : "DELETE", `/api/v1/ideas/${form.dataset.ideaId}/follow`);
    setFollowButton(form, data.following);
  }

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    const handler = form.classList.contains("vote-form") ? onVote : form.classList.contains("follow-form") ? onFollow : null;
    if (!handler) return;
    event.preventDefault();
    try {
      await handler(form);
    } catch (error) {
      window.alert(error.message);
    }
  });

  // Posting stopped at close matches: take the reader (and screen readers) there.
  const closeMatches = document.getElementById("did-you-mean");
  if (closeMatches) closeMatches.focus();

  // Similar ideas on the new-idea form, debounced.
  const list = document.getElementById("similar-list");
  const ideaForm = document.getElementById("idea-form");
  if (!list || !ideaForm) return;
  const title = ideaForm.querySelector("#title");
  const body = ideaForm.querySelector("#body");
  // Each status's wording, from the server's one list (ideas.models.STATUS_LABELS).
  const statusLabels = JSON.parse(list.dataset.statusLabels || "{}");
  let timer = null;
  let lastText = "";

  // The title as text nodes, the words it shares with what is typed inside <mark> (never as HTML).
  function highlighted(parts) {
    return parts.map((part) => {
      if (!part.match) return document.createTextNode(part.text);
      const mark = document.createElement("mark");
      mark.textContent = part.text;
      return mark;
    });
  }

  function similarItem(item) {
    const idea = item.idea;
    const li = document.createElement("li");
    li.className = "similar-item";
    const link = document.createElement("a");
    link.href = `/ideas/${idea.id}`;
    link.append(...highlighted(item.title_parts || [{ text: idea.title, match: false }]));
    const meta = document.createElement("span");
    meta.className = "meta";
    const badge = document.createElement("span");
    badge.className = `status status-${idea.status}`;
    badge.textContent = statusLabels[idea.status] || idea.status;
    meta.append(badge);
    if (item.reason === "meaning") {
      const reason = document.createElement("span");
      reason.className = "similar-reason";
      reason.textContent = "similar meaning";
      meta.append(" · ", reason);
    }
    const form = document.createElement("form");
    form.className = "vote-form";
    form.method = "post";
    form.action = `/ideas/${idea.id}/vote`;
    form.dataset.ideaId = idea.id;
    form.innerHTML = '<input type="hidden" name="action"><button type="submit" class="button vote-button"><span aria-hidden="true">▲</span> <span class="vote-label"></span><span class="visually-hidden vote-for"></span></button> <span class="vote-total"><span class="vote-count"></span> <span class="vote-unit"></span></span>';
    form.querySelector(".vote-for").textContent = ` for ${idea.title}`;
    setVoteButton(form, idea.voted, idea.vote_count);
    li.append(link, meta, form);
    return li;
  }

  async function refresh() {
    const text = `${title.value}\n${body ? body.value : ""}`.trim();
    if (text === lastText) return;
    lastText = text;
    if (text.length < 3) {
      list.replaceChildren();
      return;
    }
    const data = await api("GET", `${list.dataset.endpoint}?text=${encodeURIComponent(text.slice(0, 2000))}`);
    if (text !== lastText) return;
    list.replaceChildren(...data.items.map(similarItem));
    if (!data.items.length) {
      const empty = document.createElement("li");
      empty.className = "muted similar-empty";
      empty.textContent = "No similar ideas found.";
      list.append(empty);
    }
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => refresh().catch(() => {}), 300);
  }
  title.addEventListener("input", schedule);
  if (body) body.addEventListener("input", schedule);
})();
