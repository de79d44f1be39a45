// Small enhancements; every page works without them.
(function () {
  "use strict";

  // The main menu behind a "Meny" button on narrow screens. Without JavaScript the menu is
  // simply shown open.
  var header = document.querySelector("[data-menu]");
  var button = header && header.querySelector(".menu-button");
  if (button) {
    header.classList.add("has-menu-button");
    button.hidden = false;
    var setOpen = function (open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      header.classList.toggle("menu-open", open);
    };
    button.addEventListener("click", function () {
      setOpen(button.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && header.classList.contains("menu-open")) {
        setOpen(false);
        button.focus();
      }
    });
  }

  // A table wider than the screen scrolls inside its wrapper; keyboard users must be able to
  // reach it (WCAG 2.1.1), so a wrapper that scrolls becomes a named, focusable region.
  var scrolls = document.body.getAttribute("data-scroll-label") || "";
  function markScrolling() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      var overflowing = wrap.scrollWidth > wrap.clientWidth + 1;
      if (overflowing && !wrap.hasAttribute("tabindex")) {
        var caption = wrap.querySelector("caption");
        var name = caption ? caption.textContent.trim() : "";
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", (name ? name + " – " : "") + scrolls);
        wrap.setAttribute("data-marked", "");
      } else if (!overflowing && wrap.hasAttribute("data-marked")) {
        ["tabindex", "role", "aria-label", "data-marked"].forEach(function (attribute) {
          wrap.removeAttribute(attribute);
        });
      }
    });
  }
  markScrolling();
  window.addEventListener("resize", markScrolling);
})();
