"""The dashboard's shared look: readable links and focus, headings, print and presentation styles.

Everything here is static: CSS and one small script written by us. No value anyone typed ever
goes into this HTML.
"""

import streamlit as st

from tracker.palette import (
    ERROR_COLOUR,
    FOCUS_COLOUR,
    LINK_COLOUR,
    LINK_VISITED_COLOUR,
    SECONDARY_TEXT_COLOUR,
    TEXT_COLOUR,
)

# A4 landscape with 10 mm margins leaves 277 mm, about 1,047 CSS pixels, for the content.
PRINT_WIDTH_PX = 1047

CSS = f"""
/* Links: GOV.UK link blue (5.2:1 on white), also inside captions, where Streamlit greys text. */
[data-testid="stMain"] a:not([data-testid]),
[data-testid="stSidebar"] [data-testid="stMarkdownContainer"] a,
[data-testid="stCaptionContainer"] a {{
  color: {LINK_COLOUR} !important;
  text-decoration: underline;
}}
[data-testid="stMain"] a:not([data-testid]):visited,
[data-testid="stCaptionContainer"] a:visited {{ color: {LINK_VISITED_COLOUR} !important; }}
/* Captions in the GOV.UK secondary grey (7:1) rather than a faded tint (Streamlit draws them at
   60% opacity, about 2.8:1), so they pass 4.5:1, on a projector too. */
[data-testid="stCaptionContainer"] {{ opacity: 1 !important; }}
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p {{
  color: {SECONDARY_TEXT_COLOUR} !important;
}}
/* Focus visible on everything the keyboard reaches: the GOV.UK yellow with a dark edge. */
a:focus-visible, button:focus-visible, input:focus-visible, textarea:focus-visible,
select:focus-visible, summary:focus-visible, [role="button"]:focus-visible,
[role="tab"]:focus-visible, [role="radio"]:focus-visible, [role="checkbox"]:focus-visible,
[role="option"]:focus-visible, [role="combobox"]:focus-visible, [role="grid"]:focus-visible,
[tabindex]:focus-visible, canvas:focus-visible, label:focus-within {{
  outline: 3px solid {TEXT_COLOUR} !important;
  outline-offset: 0 !important;
  box-shadow: 0 0 0 6px {FOCUS_COLOUR} !important;
}}
/* Room for the tables at 1280×720: a narrower sidebar and less padding around the page. */
@media (min-width: 992px) {{
  [data-testid="stSidebar"] {{ width: 288px !important; min-width: 288px !important; }}
}}
[data-testid="stMainBlockContainer"] {{ padding-left: 1.5rem; padding-right: 1.5rem; }}
/* Section headings are h2 (after the page's h1), sized as Streamlit's subheaders were. */
[data-testid="stMain"] h2 {{ font-size: 1.5rem; padding-top: 1rem; }}
/* Chart tables ("Show as a table") fit the page: headers and cells wrap rather than push the
   page sideways. */
[class*="_as_table"] [data-testid="stTable"] {{ max-width: 100%; overflow-x: auto; }}
[data-testid="stTableStyledTable"] {{ width: 100%; max-width: 100%; }}
[data-testid="stTableStyledTable"] th, [data-testid="stTableStyledTable"] td {{
  white-space: normal !important;
  overflow-wrap: anywhere;
}}
/* The GOV.UK error summary: a red border, the heading, links to each field. */
.st-key-error_summary {{
  border: 5px solid {ERROR_COLOUR};
  padding: 1rem 1.25rem;
}}
.st-key-error_summary:focus {{ outline: 3px solid {FOCUS_COLOUR}; }}
.st-key-error_summary a {{ color: {ERROR_COLOUR} !important; font-weight: 700; }}
/* Beside the matrix, the drill-down panel follows the scroll, so it is on screen next to any
   cell clicked. (Streamlit wraps the panel; the wrapper is what sticks, within the column, which
   stretches to the matrix's height.) */
[data-testid="stLayoutWrapper"]:has(> .st-key-matrix_drilldown) {{
  position: sticky;
  top: 3.75rem;
  z-index: 2;
  background: #ffffff;
}}

@media print {{
  @page {{ size: A4 landscape; margin: 10mm; }}
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"],
  [data-testid="stDecoration"], [data-testid="stSidebarCollapsedControl"],
  [data-testid="stExpandSidebarButton"], [data-testid="stStatusWidget"],
  [data-testid="stBaseButton-secondary"], [data-testid="stBaseButton-primary"],
  [data-testid="stBaseButton-tertiary"], [data-testid="stPageLink"],
  .stButton, .stDownloadButton, .stFormSubmitButton, [data-testid="stFileUploader"],
  .st-key-present_header .stButton, iframe, [data-testid="stElementToolbar"],
  [data-testid="stMain"] button:not([role="tab"]), [class*="_as_table"],
  .stSelectbox, .stRadio, .stMultiSelect, .stDateInput, .stTextInput, .stTextArea,
  .stCheckbox, [data-testid="stForm"] {{
    display: none !important;
  }}
  html, body, [data-testid="stApp"], [data-testid="stAppViewContainer"], [data-testid="stMain"] {{
    height: auto !important;
    overflow: visible !important;
    position: static !important;
  }}
  [data-testid="stMainBlockContainer"] {{
    max-width: none !important;
    padding: 0 !important;
  }}
  /* Charts and tables keep the width they were drawn at on screen: scaled to the paper. */
  [data-testid="stPlotlyChart"], [data-testid="stDataFrame"] {{ zoom: var(--print-zoom, 1); }}
  [data-testid="stPlotlyChart"], [data-testid="stDataFrame"], [data-testid="stMetric"],
  .st-key-matrix_drilldown, [data-testid="stExpander"] {{ break-inside: avoid; }}
  h1, h2, h3 {{ break-after: avoid; }}
  [data-testid="stLayoutWrapper"]:has(> .st-key-matrix_drilldown) {{ position: static; }}
}}
"""

PRESENT_CSS = """
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"], [data-testid="stSidebarCollapseButton"] {
  display: none !important;
}
[data-testid="stMain"] { font-size: 1.25rem; }
[data-testid="stMain"] p, [data-testid="stMain"] li { font-size: 1.25rem; }
[data-testid="stMain"] h1 { font-size: 2.75rem; }
[data-testid="stMain"] h2 { font-size: 2rem; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] * { font-size: 3rem !important; }
[data-testid="stMetricLabel"] p { font-size: 1.25rem !important; }
[data-testid="stMainBlockContainer"] { max-width: none; padding-top: 1rem; }
/* One section a screen: Page Down moves from one section heading to the next. */
[data-testid="stMain"] { scroll-snap-type: y proximity; }
[data-testid="stMain"] [data-testid="stElementContainer"]:has(h2),
.st-key-present_header { scroll-snap-align: start; }
[data-testid="stMain"] [data-testid="stElementContainer"]:has(h2) { margin-top: 2rem; }
"""

# Sets --print-zoom on each chart and table (its on-screen width scaled to the paper), marks the
# fields an error summary names as aria-invalid, and moves focus to the summary when it appears.
SCRIPT = f"""
<script>
(() => {{
  const root = window.parent && window.parent.document ? window.parent : window;
  if (root.__trackerAccessibility) return;
  root.__trackerAccessibility = true;
  const doc = root.document;
  const FIELDS = "input, textarea, [role='combobox'], [role='radiogroup']";
  function fitForPrint() {{
    doc.querySelectorAll("[data-testid='stPlotlyChart'], [data-testid='stDataFrame']")
      .forEach((el) => {{
        const width = el.offsetWidth;
        const zoom = width > {PRINT_WIDTH_PX} ? {PRINT_WIDTH_PX} / width : 1;
        el.style.setProperty("--print-zoom", zoom.toFixed(3));
      }});
  }}
  function markInvalid() {{
    const invalid = new Set();
    doc.querySelectorAll(".tracker-invalid-fields").forEach((marker) => {{
      (marker.dataset.fields || "").split(" ").filter(Boolean).forEach((k) => invalid.add(k));
    }});
    doc.querySelectorAll("[data-tracker-invalid]").forEach((el) => {{
      if (!invalid.has(el.dataset.trackerInvalid)) {{
        el.removeAttribute("aria-invalid");
        el.removeAttribute("data-tracker-invalid");
      }}
    }});
    invalid.forEach((key) => {{
      doc.querySelectorAll(".st-key-" + key).forEach((box) => {{
        box.querySelectorAll(FIELDS).forEach((field) => {{
          if (field.type === "hidden" || field.getAttribute("aria-invalid") === "true") return;
          field.setAttribute("aria-invalid", "true");
          field.dataset.trackerInvalid = key;
        }});
      }});
    }});
    const summary = doc.querySelector(".st-key-error_summary");
    if (summary && !summary.dataset.focused) {{
      summary.dataset.focused = "1";
      summary.setAttribute("tabindex", "-1");
      summary.setAttribute("role", "alert");
      summary.focus();
    }}
  }}
  doc.addEventListener("click", (event) => {{
    const link = event.target.closest && event.target.closest("a[href*='#field-']");
    if (!link) return;
    const key = link.getAttribute("href").split("#field-")[1];
    const box = doc.querySelector(".st-key-" + CSS.escape(key));
    const field = box && box.querySelector(FIELDS.replace("[role='radiogroup']", "label"));
    if (!field) return;
    event.preventDefault();
    event.stopPropagation();
    box.scrollIntoView({{block: "center"}});
    field.focus();
  }}, true);
  root.addEventListener("beforeprint", fitForPrint);
  root.setInterval(() => {{ fitForPrint(); markInvalid(); }}, 300);
}})();
</script>
"""


def apply(*, present: bool = False) -> None:
    """The shared styles and the small accessibility script, once per run."""
    st.html(f"<style>{CSS}{PRESENT_CSS if present else ''}</style>")
    with st.sidebar:
        st.html(SCRIPT, unsafe_allow_javascript=True)
