import nbenv

# Kernels that nbval starts inherit this process's environment.
nbenv.apply()
