# nbgrader configuration of the dlbook course (nbgrader 0.9.6).
#
# solutions/<assignment>/<assignment>.ipynb : source notebooks (solutions + hidden tests)
# exercises/<assignment>/<assignment>.ipynb : student notebooks, made by
#     nbgrader generate_assignment <assignment> --force      (see tools/README-course.md)
# submitted/, autograded/, feedback/, gradebook.db : instructor's grading data, never in git.
#
# The course root is the folder of this file, so the same file works in a copy of the course.
import os

c = get_config()  # noqa: F821 - provided by traitlets when it loads this file

c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "dlbook"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"

# Files of a source folder that never reach the students' folders (nbgrader copies every
# non-notebook file of solutions/<assignment>/ into the release and into autograded/ unless it
# matches one of these): verify.py holds the trusted verifier of each task, source.py the text
# source of the assignment (with the solutions and hidden tests), .probe/ is the probe protocol's
# scratch folder.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints",
    "*.pyc",
    "__pycache__",
    "feedback",
    "verify.py",
    "source.py",
    ".probe",
]

# What replaces ### BEGIN SOLUTION ... ### END SOLUTION in the students' notebooks.
c.ClearSolutions.code_stub = {
    "python": '# VIẾT CODE CỦA BẠN Ở ĐÂY\nraise NotImplementedError("Bạn chưa làm phần này")'
}
c.ClearSolutions.text_stub = "VIẾT CÂU TRẢ LỜI CỦA BẠN Ở ĐÂY"

# A student who deletes a test cell gets it back at grading time (instead of a notebook that
# waits for manual grading forever).
c.OverwriteCells.add_missing_cells = True

# Students and assignments are created in the gradebook on the fly.
c.Autograde.create_student = True
c.GenerateAssignment.create_assignment = True

# Per-cell time limit while autograding (the PyTorch assignment trains a small CNN in one cell).
c.Execute.timeout = 300
