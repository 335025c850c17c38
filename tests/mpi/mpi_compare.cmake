# brisk under mpirun against one process (docs/mpi.md).
#   cmake -DMODE=sweep|run|convert -DBRISK=... -DMPIRUN="mpirun;-n;2;..." -DARGS=... -DDIR=... [-DPYTHON=...] -P mpi_compare.cmake
# sweep:   `brisk sweep ARGS` vs MPIRUN of it: PREFIX.csv, .md and .json equal apart from the
#          timing columns/keys (convert_seconds, run_seconds, "convert s", "seconds").
# run:     `brisk run ARGS --threads 2 --json` vs MPIRUN of `brisk run ARGS --threads 1 --json`:
#          the JSON equal apart from "seconds" and "images_per_second".
# convert: `brisk convert ARGS -o` vs MPIRUN of it: the same network (compare_snn.py).
file(REMOVE_RECURSE ${DIR})
file(MAKE_DIRECTORY ${DIR}/one ${DIR}/mpi)

function(run_checked)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "exit code ${rc}: ${ARGN}\nstdout:\n${out}\nstderr:\n${err}")
  endif()
endfunction()

# The lines of FILE without those matching DROP (a regex), timing columns stripped by STRIP.
function(read_filtered file drop strip out_var)
  file(STRINGS ${file} lines)
  list(LENGTH lines n)
  if(n LESS 2)  # a header and at least one row
    message(FATAL_ERROR "${file}: only ${n} lines")
  endif()
  set(kept "")
  foreach(l IN LISTS lines)
    if(NOT drop STREQUAL "" AND l MATCHES "${drop}")
      continue()
    endif()
    if(NOT strip STREQUAL "")
      string(REGEX REPLACE "${strip}" "" l "${l}")
    endif()
    string(APPEND kept "${l}\n")
  endforeach()
  set(${out_var} "${kept}" PARENT_SCOPE)
endfunction()

function(expect_same a b drop strip)
  read_filtered(${a} "${drop}" "${strip}" ta)
  read_filtered(${b} "${drop}" "${strip}" tb)
  if(NOT ta STREQUAL tb)
    message(FATAL_ERROR "${b} differs from the single-process ${a}:\n--- one process\n${ta}\n--- mpirun\n${tb}")
  endif()
  message(STATUS "same: ${a} ${b}")
endfunction()

if(MODE STREQUAL "sweep")
  run_checked(${CMAKE_COMMAND} -E env BRISK_PYTHON=/nonexistent ${BRISK} sweep ${ARGS} --out ${DIR}/one/r)
  run_checked(${CMAKE_COMMAND} -E env BRISK_PYTHON=/nonexistent ${MPIRUN} ${BRISK} sweep ${ARGS} --out ${DIR}/mpi/r)
  # CSV: the last two columns are convert_seconds and run_seconds.
  expect_same(${DIR}/one/r/results.csv ${DIR}/mpi/r/results.csv "" ",[^,]*,[^,]*$")
  # Markdown: the "All runs" table ends with the conversion time ("| 0.42 |").
  expect_same(${DIR}/one/r/results.md ${DIR}/mpi/r/results.md "" " [0-9.]+ \\|$")
  expect_same(${DIR}/one/r/results.json ${DIR}/mpi/r/results.json "\"(convert_seconds|run_seconds|seconds)\":" "")
  # The manifest's calibration samples (the lines naming them; the rest holds times, hosts).
  foreach(side one mpi)
    file(STRINGS ${DIR}/${side}/r/manifest.ini calib_${side} REGEX "^calib_indices")
  endforeach()
  if(NOT calib_one STREQUAL calib_mpi)
    message(FATAL_ERROR "manifest.ini calibration samples differ:\n--- one process\n${calib_one}\n--- mpirun\n${calib_mpi}")
  endif()
elseif(MODE STREQUAL "run")
  run_checked(${BRISK} run ${ARGS} --threads 2 --json ${DIR}/one/r.json)
  run_checked(${MPIRUN} ${BRISK} run ${ARGS} --threads 1 --json ${DIR}/mpi/r.json)
  expect_same(${DIR}/one/r.json ${DIR}/mpi/r.json "\"(seconds|images_per_second)\":" "")
elseif(MODE STREQUAL "convert")
  run_checked(${BRISK} convert ${ARGS} -o ${DIR}/one/net.h5)
  run_checked(${MPIRUN} ${BRISK} convert ${ARGS} -o ${DIR}/mpi/net.h5)
  run_checked(${PYTHON} ${CMAKE_CURRENT_LIST_DIR}/compare_snn.py ${DIR}/one/net.h5 ${DIR}/mpi/net.h5)
  file(GLOB extra ${DIR}/mpi/*)
  list(LENGTH extra n)
  if(NOT n EQUAL 1)
    message(FATAL_ERROR "mpirun convert left ${n} files in ${DIR}/mpi: ${extra}")
  endif()
else()
  message(FATAL_ERROR "MODE must be sweep, run or convert")
endif()
