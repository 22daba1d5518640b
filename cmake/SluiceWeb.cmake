# The click tracker's pages (web/) and the chart library the dashboard loads, installed to
# share/sluice/web: the folder of the http source's static route (WEB_DIR in the pipelines;
# the Docker image links /app/web to it). uPlot comes from npm into web/node_modules
# (`npm ci --prefix web`, which scripts/setup runs); only the files the dashboard loads are
# installed, with uPlot's licence, under the same paths the pages ask for (/node_modules/...).
# tests/install/web_install_check.cmake checks that every file a page loads is installed.
set(SLUICE_WEB_SUBDIR share/sluice/web)
set(SLUICE_WEB_SOURCE_DIR ${PROJECT_SOURCE_DIR}/web)
set(SLUICE_WEB_VENDOR_FILES
  uplot/dist/uPlot.iife.min.js
  uplot/dist/uPlot.min.css
  uplot/LICENSE)

# The pages themselves; not npm's files, not dotfiles (the http source would not serve them).
install(DIRECTORY ${SLUICE_WEB_SOURCE_DIR}/ DESTINATION ${SLUICE_WEB_SUBDIR} COMPONENT web
  PATTERN node_modules EXCLUDE
  PATTERN package.json EXCLUDE
  PATTERN package-lock.json EXCLUDE
  PATTERN ".*" EXCLUDE)

# Without uPlot the installed dashboard would show no chart: stop the install with what to run,
# rather than install pages that miss their library.
set(check "")
foreach(file ${SLUICE_WEB_VENDOR_FILES})
  string(APPEND check "if(NOT EXISTS \"${SLUICE_WEB_SOURCE_DIR}/node_modules/${file}\")\n"
    "  message(FATAL_ERROR \"web/node_modules/${file} is missing: the dashboard loads it. Run "
    "`npm ci --prefix web` (scripts/setup does) before installing.\")\n"
    "endif()\n")
endforeach()
install(CODE "${check}" COMPONENT web)
foreach(file ${SLUICE_WEB_VENDOR_FILES})
  get_filename_component(dir ${file} DIRECTORY)
  install(FILES ${SLUICE_WEB_SOURCE_DIR}/node_modules/${file}
    DESTINATION ${SLUICE_WEB_SUBDIR}/node_modules/${dir} COMPONENT web)
endforeach()
