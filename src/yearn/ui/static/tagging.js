// yearn dashboard: tagging on the error-analysis page. No dependencies, no network
// other than this dashboard's own JSON API. Every change is PUT at once.
(function () {
  "use strict";
  const root = document.getElementById("tagger");
  if (!root) return;
  const runId = root.dataset.run;
  const palette = JSON.parse(root.dataset.palette || "[]");
  const cards = Array.from(root.querySelectorAll("article.card"));
  const status = document.getElementById("status");
  let current = 0;

  const tagsOf = (card) => JSON.parse(card.dataset.tags || "[]");
  const suggestedOf = (card) => JSON.parse(card.dataset.suggested || "[]");

  function say(text, bad) {
    status.textContent = text;
    status.className = "save-status " + (bad ? "bad" : "ok");
  }

  function chip(tag, cls, title) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "chip " + cls;
    b.dataset.tag = tag;
    b.textContent = cls === "suggested" ? "+ " + tag : tag;
    if (title) b.title = title;
    return b;
  }

  function render(card) {
    const row = card.querySelector(".tagrow");
    const tags = tagsOf(card);
    row.textContent = "";
    palette.forEach((t, i) => {
      const key = i < 9 ? "key " + (i + 1) : "";
      row.appendChild(chip(t, tags.includes(t) ? "on" : "off", key));
    });
    tags.filter((t) => !palette.includes(t)).forEach((t) => row.appendChild(chip(t, "on")));
    suggestedOf(card)
      .filter((t) => !tags.includes(t))
      .forEach((t) => row.appendChild(chip(t, "suggested", "suggested: click to accept")));
  }

  function renderPalette() {
    const box = document.getElementById("palette");
    box.textContent = "";
    palette.forEach((t, i) => {
      const s = document.createElement("span");
      s.className = "pal";
      if (i < 9) {
        const k = document.createElement("kbd");
        k.textContent = String(i + 1);
        s.appendChild(k);
      }
      s.appendChild(document.createTextNode(t));
      box.appendChild(s);
    });
  }

  async function save(card, tags) {
    const id = card.dataset.id;
    card.classList.add("saving");
    say("saving " + id + " …");
    try {
      const url = "/api/runs/" + encodeURIComponent(runId) + "/examples/" +
        encodeURIComponent(id) + "/tags";
      const res = await fetch(url, {
        method: "PUT",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ tags: tags }),
      });
      const body = await res.json();
      if (!res.ok) throw new Error(body.error || res.statusText);
      card.dataset.tags = JSON.stringify(body.tags);
      body.tags.forEach((t) => { if (!palette.includes(t)) { palette.push(t); renderPalette(); } });
      say("saved " + id + ": " + (body.tags.join("; ") || "no tags"));
      card.dataset.saved = String(Date.now());
    } catch (err) {
      say("not saved: " + err.message, true);
    } finally {
      card.classList.remove("saving");
      render(card);
    }
  }

  function toggle(card, tag) {
    const tags = tagsOf(card);
    const next = tags.includes(tag) ? tags.filter((t) => t !== tag) : tags.concat([tag]);
    return save(card, next);
  }

  function select(i, focus) {
    if (!cards.length) return;
    current = Math.max(0, Math.min(cards.length - 1, i));
    cards.forEach((c, j) => c.classList.toggle("current", j === current));
    if (focus !== false) {
      cards[current].focus({ preventScroll: true });
      cards[current].scrollIntoView({ block: "nearest" });
    }
  }

  cards.forEach((card, i) => {
    render(card);
    card.addEventListener("click", (ev) => {
      select(i, false);
      const b = ev.target.closest("button.chip");
      if (!b) return;
      const tag = b.dataset.tag;
      if (b.classList.contains("suggested")) save(card, tagsOf(card).concat([tag]));
      else toggle(card, tag);
    });
    card.addEventListener("focusin", () => select(i, false));
    card.querySelector("form.tag-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const input = ev.target.querySelector("input");
      const typed = input.value.split(";").map((t) => t.trim()).filter(Boolean);
      if (!typed.length) return;
      input.value = "";
      const tags = tagsOf(card);
      save(card, tags.concat(typed.filter((t) => !tags.includes(t))));
    });
  });

  document.addEventListener("keydown", (ev) => {
    const inInput = ev.target instanceof HTMLInputElement;
    if (inInput) {
      if (ev.key === "Escape") { ev.target.blur(); select(current); }
      return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey || !cards.length) return;
    const card = cards[current];
    if (ev.key === "j") { select(current + 1); ev.preventDefault(); }
    else if (ev.key === "k") { select(current - 1); ev.preventDefault(); }
    else if (/^[1-9]$/.test(ev.key)) {
      const tag = palette[Number(ev.key) - 1];
      if (tag) { toggle(card, tag); ev.preventDefault(); }
    } else if (ev.key === "t") {
      card.querySelector("input.tag-input").focus();
      ev.preventDefault();
    } else if (ev.key === "a") {
      const tags = tagsOf(card);
      const extra = suggestedOf(card).filter((t) => !tags.includes(t));
      if (extra.length) save(card, tags.concat(extra));
      ev.preventDefault();
    }
  });

  select(0, false);
})();
