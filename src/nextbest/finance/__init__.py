"""Financial maths: assumptions, goal projection, solvers, glide paths, allocation, optimisation."""
