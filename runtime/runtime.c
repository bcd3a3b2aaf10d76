#include <xfront/runtime.h>
