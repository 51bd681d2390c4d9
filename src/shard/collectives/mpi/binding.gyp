# Built by build.mjs only where mpicc exists; MPI's include dirs and link flags come from `mpicc --showme:*`.
{
  "targets": [
    {
      "target_name": "graft_mpi",
      "sources": ["mpi_addon.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "<!@(mpicc --showme:incdirs)"],
      "libraries": ["<!@(mpicc --showme:link)"],
      "defines": ["OMPI_SKIP_MPICXX=1", "NAPI_DISABLE_CPP_EXCEPTIONS", "NAPI_VERSION=8"],
      "cflags_cc": ["-std=c++17", "-O2"]
    }
  ]
}
