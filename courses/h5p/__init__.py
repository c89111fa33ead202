"""H5P: packages (validation, extraction, serving), the lesson block and the
activities learners play."""
