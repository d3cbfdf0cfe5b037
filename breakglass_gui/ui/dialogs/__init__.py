"""Dialogs outside the procedure's flow: approver enrolment, readiness, crash."""
