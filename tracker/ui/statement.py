"""The accessibility statement, in the GOV.UK form: what meets the standard, what does not yet,
how to report a problem and how the dashboard was tested."""

import streamlit as st


def show_statement() -> None:
    st.title("Accessibility statement")
    st.markdown(
        "This statement applies to the recommendation tracker for the 2023 inspection of how the "
        "police and the National Crime Agency tackle online child sexual abuse and exploitation. "
        "The organisation that runs your copy of the tracker is responsible for it."
    )
    st.markdown(
        "We want as many people as possible to be able to use this dashboard. You should be able "
        "to:\n"
        "- move through every page, table, chart alternative and form using just a keyboard, "
        "and see where the keyboard focus is;\n"
        "- zoom to 200% without the text spilling off the screen (the sidebar folds away);\n"
        "- read every rating without relying on colour: each carries its words or a letter, and "
        "the bars carry a pattern;\n"
        "- read every chart as words: each has a one-sentence summary and a *Show as a table* "
        "alternative;\n"
        "- use the dashboard with a screen reader: every page has its own title, its headings in "
        "order, and every control has a label;\n"
        "- show it on a projector (presentation mode) and print any page on A4."
    )

    st.header("How accessible this dashboard is")
    st.markdown(
        "We know some parts of the dashboard are not fully accessible:\n"
        "- the tables of data on the pages are drawn by Streamlit's data grid on a canvas: a "
        "keyboard user can reach them and move through the cells, but a screen reader may not "
        "read their cells. The charts' tables (*Show as a table*) are plain tables, and the "
        "overdue list can be downloaded as CSV or Excel;\n"
        "- a cell of the force × recommendation matrix can be opened with a mouse only; with a "
        "keyboard, the matrix's data is in *Show as a table* under it, and each force's details "
        "on the Force page;\n"
        "- details shown when the pointer rests on a chart are not available by keyboard (the "
        "same figures are in the chart's table);\n"
        "- form hints are shown under each field but are not announced with the field;\n"
        "- a printed page shows only the tab that is open on pages with tabs (the Force page)."
    )

    st.header("Feedback and contact information")
    st.markdown(
        "If you need information on this dashboard in a different format, such as a spreadsheet "
        "or printed pages, use the download buttons or print the page, or ask the administrator "
        "who gave you your account. Tell them what you need and the page it is about."
    )

    st.header("Reporting accessibility problems with this dashboard")
    st.markdown(
        "We are always looking to improve the accessibility of this dashboard. If you find any "
        "problems not listed on this page or think we are not meeting accessibility requirements, "
        "tell your tracker administrator, saying the page, what you were trying to do and what "
        "went wrong. They pass it to the team that maintains the tracker, which answers within 10 "
        "working days."
    )

    st.header("Enforcement procedure")
    st.markdown(
        "The Equality and Human Rights Commission (EHRC) is responsible for enforcing the Public "
        "Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018 "
        "(the accessibility regulations). If you are not happy with how we respond to your "
        "complaint, contact the Equality Advisory and Support Service (EASS)."
    )

    st.header("Technical information about this dashboard's accessibility")
    st.markdown(
        "We are committed to making this dashboard accessible, in accordance with the Public "
        "Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018."
    )
    st.subheader("Compliance status")
    st.markdown(
        "This dashboard is partially compliant with the Web Content Accessibility Guidelines "
        "version 2.2 AA standard, due to the non-compliances listed below."
    )

    st.header("Non-accessible content")
    st.subheader("Non-compliance with the accessibility regulations")
    st.markdown(
        "- Tables drawn on a canvas (Streamlit's data grid) do not give screen readers their "
        "cells and headers (WCAG 1.3.1 Info and relationships, 4.1.2 Name, role, value). We "
        "plan to offer each of them as a plain table too.\n"
        "- Matrix cells and chart details respond to the mouse only (WCAG 2.1.1 Keyboard); the "
        "same information is in the tables beside them.\n"
        "- Hints are not linked to their fields (WCAG 1.3.1).\n"
        "- In Streamlit's own markup, which we cannot change: the file upload area has an "
        "element with `role=presentation` that can take focus (WCAG 4.1.2), which automated "
        "checks rate as minor. The automated checks find no serious or critical problem "
        "anywhere, and none of Streamlit's markup is excluded from them."
    )

    st.header("What we're doing to improve accessibility")
    st.markdown(
        "Every page, for every role and in the states that matter (an empty database, a form "
        "with errors, the sign-in page), is checked by automated tests on every change, and any "
        "serious or critical problem stops the change. We will replace the canvas tables with "
        "plain tables, and link hints to their fields."
    )

    st.header("Preparation of this accessibility statement")
    st.markdown(
        "This statement was prepared on 23 November 2026. The dashboard was tested by its "
        "developers: automated checks with axe-core in Chromium on every page, as each role "
        "(viewer, editor, monitor, administrator); by keyboard; by simulated colour-vision "
        "deficiencies (protanopia, deuteranopia, tritanopia and no colour at all); at 1280×720, "
        "1024×768 and 1920×1080; and by printing every page to A4. How the tests are run is "
        "described in the project's README."
    )
