"""Advanced-training courses: question types and grading, GIFT import and export.

The course pages, quizzes and certificates are still to come (issue 3).
"""
