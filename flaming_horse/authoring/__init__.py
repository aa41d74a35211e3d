"""Authors: who writes the plan, the narration and the scene code."""
