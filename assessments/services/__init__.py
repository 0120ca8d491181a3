"""Writes and workflows of the assessments app. Import the submodule you need:
``assessments.services.assessments`` (assessments, baseline lines, options, factors) and
``assessments.services.workflow`` (the review transitions shared with savings reports)."""
