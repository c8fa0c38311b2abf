// newsl10n review: keyboard navigation and saving in place. Without this script every row is a
// plain form that posts and comes back to the editor; with it, Ctrl+Enter saves and moves on.
"use strict";
(() => {
  const status = document.getElementById("status");
  const visible = () => [...document.querySelectorAll("tr.segment")];

  function focusRow(tr) {
    const area = tr && tr.querySelector("textarea");
    if (!area) return;
    document.querySelectorAll("tr.current").forEach((r) => r.classList.remove("current"));
    tr.classList.add("current");
    area.focus();
    tr.scrollIntoView({ block: "center" });
  }

  function move(from, step) {
    const rows = visible();
    const here = rows.indexOf(from);
    focusRow(rows[here < 0 ? 0 : Math.min(Math.max(here + step, 0), rows.length - 1)]);
  }

  function say(tr, text) {
    let box = tr.querySelector(".message");
    if (!box) {
      box = document.createElement("p");
      box.className = "message";
      box.setAttribute("role", "alert");
      tr.querySelector("td.target").appendChild(box);
    }
    box.textContent = text;
  }

  async function save(form, andNext) {
    const tr = form.closest("tr");
    const following = visible()[visible().indexOf(tr) + 1];
    let response, data;
    try {
      response = await fetch(form.action, {
        method: "POST", body: new URLSearchParams(new FormData(form)),
        headers: { Accept: "application/json" }, credentials: "same-origin",
      });
      data = await response.json();
    } catch (error) {
      say(tr, `Not saved: ${error}`);
      return;
    }
    if (!response.ok) {
      if (response.status === 409) {
        form.elements.version.value = data.version;
        say(tr, `${data.error}. Their text: \u201c${data.current}\u201d. Your text is still in the box: `
          + "save again to replace theirs.");
      } else {
        say(tr, data.error);
      }
      return;
    }
    const template = document.createElement("template");
    template.innerHTML = data.row;
    const fresh = template.content.firstElementChild;
    tr.replaceWith(fresh);
    document.getElementById("reviewed-count").textContent = data.reviewed;
    status.textContent = `Saved ${fresh.id}.`;
    const nextPage = document.querySelector("a[rel=next]");
    if (andNext && !following && nextPage && form.elements.next.value) {
      window.location.href = `${nextPage.href}#${encodeURIComponent(form.elements.next.value)}`;
      return;
    }
    focusRow(andNext && following ? following : fresh);
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.classList.contains("segment-form")) {
      event.preventDefault();
      save(form, true);
    }
  });

  const views = { KeyF: "flagged", KeyU: "unreviewed", KeyA: "all" };
  document.addEventListener("keydown", (event) => {
    const tr = event.target.closest ? event.target.closest("tr.segment") : null;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && tr) {
      event.preventDefault();
      save(tr.querySelector("form"), true);
    } else if (event.altKey && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      move(tr, event.key === "ArrowDown" ? 1 : -1);
    } else if (event.altKey && views[event.code]) {
      event.preventDefault();
      window.location.search = `?show=${views[event.code]}`;
    }
  });

  document.addEventListener("focusin", (event) => {
    const tr = event.target.closest ? event.target.closest("tr.segment") : null;
    if (tr && !tr.classList.contains("current")) {
      document.querySelectorAll("tr.current").forEach((r) => r.classList.remove("current"));
      tr.classList.add("current");
    }
  });

  const start = document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
  if (start && start.matches("tr.segment")) focusRow(start);

  // Once the page has loaded, the server makes the bundle's files' pieces, so that the first
  // save is as quick as the next ones (it writes nothing; a failure only makes that save slower).
  window.addEventListener("load", () => {
    const form = document.querySelector("form.segment-form");
    if (!form) return;
    const url = new URL(form.action);
    url.pathname = url.pathname.replace(/^\/save\//, "/prepare/");
    fetch(url, { method: "POST", body: new URLSearchParams({ csrf: form.elements.csrf.value }), credentials: "same-origin" })
      .catch(() => {});
  });
})();
