# Runs extract_fuzzer for a bounded time on a fresh copy of the seed corpus
# and fails on any crash (libFuzzer's exit status), on a harness that reaches
# little code, or on a run that found no new coverage at all.
#   cmake -DFUZZER=... -DSEEDS=dir -DWORK=dir -DSECONDS=n -P run_fuzzer.cmake
foreach(var FUZZER SEEDS WORK SECONDS)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_fuzzer.cmake: -D${var}=... is required")
  endif()
endforeach()

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/corpus ${WORK}/artifacts)
file(GLOB seeds ${SEEDS}/*)
file(COPY ${seeds} DESTINATION ${WORK}/corpus)

execute_process(
  COMMAND ${FUZZER} -max_total_time=${SECONDS} -max_len=65536 -timeout=30 -rss_limit_mb=4096
          -print_final_stats=1 -artifact_prefix=${WORK}/artifacts/ ${WORK}/corpus
  WORKING_DIRECTORY ${WORK}
  RESULT_VARIABLE status
  OUTPUT_VARIABLE log
  ERROR_VARIABLE log)
file(WRITE ${WORK}/fuzz.log "${log}")

if(NOT status EQUAL 0)
  file(GLOB artifacts ${WORK}/artifacts/*)
  message(FATAL_ERROR "extract_fuzzer failed (exit status ${status}); reproduce with: ${FUZZER} ${artifacts}\n"
                      "log: ${WORK}/fuzz.log\n${log}")
endif()

# "#N INITED cov: C ft: F corp: ..." after the seeds, then "#N NEW cov: ..."
# for each input that reached new code, and a final "Done N runs".
string(REGEX MATCH "INITED cov: ([0-9]+)" inited "${log}")
set(initial_cov ${CMAKE_MATCH_1})
string(REGEX MATCHALL "NEW +cov: [0-9]+" news "${log}")
list(LENGTH news new_inputs)
string(REGEX MATCH "Done ([0-9]+) runs" done "${log}")
set(runs ${CMAKE_MATCH_1})
message(STATUS "extract_fuzzer: ${runs} runs in ${SECONDS} s; coverage ${initial_cov} after the seeds, "
               "${new_inputs} inputs with new coverage")
if(NOT done)
  message(FATAL_ERROR "extract_fuzzer did not finish its run; log: ${WORK}/fuzz.log\n${log}")
endif()
# The seeds alone reach a few thousand edges of ingest, extract and normalize;
# a harness that returns early reaches a few dozen.
if(NOT initial_cov OR initial_cov LESS 1000)
  message(FATAL_ERROR "extract_fuzzer: coverage after the seeds is '${initial_cov}': the harness does not reach "
                      "the extractor; log: ${WORK}/fuzz.log")
endif()
if(new_inputs EQUAL 0)
  message(FATAL_ERROR "extract_fuzzer: no input reached new code in ${SECONDS} s; log: ${WORK}/fuzz.log")
endif()
