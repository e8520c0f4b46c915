// Wide tables scroll inside their own box (.table-wrap), never the page. When a box does
// scroll (a phone, a narrow window), it becomes a named, keyboard-focusable region (arrow
// keys scroll it) with a visible hint above it (seen before a long table is scrolled
// past); the fading edges are CSS (chorus.css).
// Its words come translated from the page: <script data-scroll-hint="..." data-table-name="...">.
(() => {
  const words = (document.currentScript && document.currentScript.dataset) || {};
  const hintText = words.scrollHint || "Scroll for more →";
  const tableName = words.tableName || "{name} (table)";
  let hints = 0;

  // The region's name: the table's caption, else the heading of the card it sits in
  // ("Groups (table)": the card itself may be a region named "Groups").
  const nameOf = (wrap) => {
    const caption = wrap.querySelector("caption");
    if (caption && caption.textContent.trim()) return caption.textContent.trim();
    const card = wrap.closest("section, details, .card");
    const heading = card && card.querySelector("h1, h2, h3, summary");
    return heading ? tableName.replace("{name}", heading.textContent.trim()) : "";
  };

  const existingHint = (wrap) => {
    const before = wrap.previousElementSibling;
    return before && before.classList.contains("scroll-hint") ? before : null;
  };

  const hintOf = (wrap) => {
    const existing = existingHint(wrap);
    if (existing) return existing;
    const hint = document.createElement("p");
    hint.className = "scroll-hint";
    hint.id = `scroll-hint-${++hints}`;
    hint.textContent = hintText;
    wrap.before(hint);
    return hint;
  };

  const update = (wrap) => {
    const scrollable = wrap.scrollWidth > wrap.clientWidth + 1;
    wrap.classList.toggle("is-scrollable", scrollable);
    if (!scrollable) {
      const hint = existingHint(wrap);
      if (hint) hint.hidden = true;
      for (const name of ["tabindex", "role", "aria-label", "aria-describedby"]) {
        wrap.removeAttribute(name);
      }
      return;
    }
    const hint = hintOf(wrap);
    hint.hidden = false;
    wrap.tabIndex = 0;
    wrap.setAttribute("role", "region");
    const name = nameOf(wrap);
    if (name) wrap.setAttribute("aria-label", name);
    wrap.setAttribute("aria-describedby", hint.id);
    // Scrolled to the end, the hint steps aside (its place kept, so nothing jumps).
    hint.classList.toggle("at-end", wrap.scrollLeft + wrap.clientWidth >= wrap.scrollWidth - 1);
  };

  const resized = new ResizeObserver((entries) => {
    for (const entry of entries) update(entry.target);
  });

  const watch = (root) => {
    const wraps = [...root.querySelectorAll(".table-wrap")];
    const around = root.closest && root.closest(".table-wrap");
    if (around) wraps.push(around);
    for (const wrap of wraps) {
      if (!wrap.dataset.scrollWatched) {
        wrap.dataset.scrollWatched = "yes";
        resized.observe(wrap);
        wrap.addEventListener("scroll", () => update(wrap), { passive: true });
      }
      update(wrap);
    }
  };

  const start = () => {
    watch(document);
    // Content swapped in by htmx (a leaderboard, a table row) is watched too.
    document.body.addEventListener("htmx:load", (event) => watch(event.target));
    // A table in a closed <details> has no width until it opens (ResizeObserver sees that).
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
