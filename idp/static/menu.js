// The main menu works without this script (<details> disclosures); with it, Escape and a click
// outside the menu close the open group, as in other menus.
document.addEventListener("DOMContentLoaded", () => {
  const groups = Array.from(document.querySelectorAll("nav.menu details"));
  if (!groups.length) return;
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const open = groups.find((group) => group.open);
    if (!open) return;
    const inside = open.contains(document.activeElement);
    open.open = false;
    if (inside) open.querySelector("summary").focus();
  });
  document.addEventListener("click", (event) => {
    for (const group of groups) {
      if (group.open && !group.contains(event.target)) group.open = false;
    }
  });
});
